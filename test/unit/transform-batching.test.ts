import { describe, expect, it } from 'vitest';
import { Batcher, batchStrategyEnv, maxPayloadBytes, parseBatchStrategy } from '../../src/steps/transform-batching.js';

function batch(strategy: 'SingleRecord' | 'MultiRecord', limit: number, records: readonly string[]): string[] {
  const batcher = new Batcher<string>({ strategy, maxPayloadBytes: limit });
  const out = records.flatMap((r) => batcher.add(Buffer.from(r), r));
  out.push(...batcher.flush());
  return out.map((b) => b.payload.toString('utf8'));
}

describe('BatchStrategy', () => {
  it.each([
    ['SingleRecord', 'SingleRecord'],
    ['SINGLE_RECORD', 'SingleRecord'],
    ['MultiRecord', 'MultiRecord'],
    ['MULTI_RECORD', 'MultiRecord'],
    [undefined, 'MultiRecord'],
  ] as const)('reads %s as %s', (raw, expected) => {
    expect(parseBatchStrategy(raw)).toBe(expected);
  });

  it('rejects other spellings and gives containers the upper-case form', () => {
    expect(() => parseBatchStrategy('Batch')).toThrow('BatchStrategy must be');
    expect(batchStrategyEnv('MultiRecord')).toBe('MULTI_RECORD');
    expect(batchStrategyEnv('SingleRecord')).toBe('SINGLE_RECORD');
  });

  it('SingleRecord: one request per record', () => {
    expect(batch('SingleRecord', 100, ['a', 'b', 'c'])).toEqual(['a', 'b', 'c']);
  });

  it('MultiRecord: as many newline-joined records as fit in the payload limit', () => {
    // "aaa\nbbb" is 7 bytes; adding "\nccc" would make 11 > 10.
    expect(batch('MultiRecord', 10, ['aaa', 'bbb', 'ccc', 'dd'])).toEqual(['aaa\nbbb', 'ccc\ndd']);
    expect(batch('MultiRecord', 7, ['aaa', 'bbb'])).toEqual(['aaa\nbbb']);
    expect(batch('MultiRecord', 6, ['aaa', 'bbb'])).toEqual(['aaa', 'bbb']);
  });

  it('remembers which records each batch holds and where it starts', () => {
    const batcher = new Batcher<string>({ strategy: 'MultiRecord', maxPayloadBytes: 5 });
    const batches = [...batcher.add(Buffer.from('ab'), 'r1'), ...batcher.add(Buffer.from('cd'), 'r2'), ...batcher.add(Buffer.from('ef'), 'r3'), ...batcher.flush()];
    expect(batches.map((b) => ({ records: b.records, first: b.firstRecord }))).toEqual([
      { records: ['r1', 'r2'], first: 0 },
      { records: ['r3'], first: 2 },
    ]);
  });

  it('fails on a record larger than MaxPayloadInMB', () => {
    expect(() => batch('MultiRecord', 4, ['abc', 'toolong'])).toThrow(
      expect.objectContaining({ code: 'TRANSFORM_RECORD_TOO_LARGE', message: expect.stringContaining('record 2 has 7 bytes') }),
    );
  });

  it('reads MaxPayloadInMB: default 6 MB, 0 for no limit, at most 100', () => {
    expect(maxPayloadBytes(undefined)).toBe(6 * 1024 * 1024);
    expect(maxPayloadBytes(0)).toBe(Number.POSITIVE_INFINITY);
    expect(() => maxPayloadBytes(101)).toThrow('MaxPayloadInMB');
    expect(() => maxPayloadBytes(1.5)).toThrow('MaxPayloadInMB');
  });
});
