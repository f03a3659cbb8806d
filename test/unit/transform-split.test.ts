import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter, parseSplitType, splitRecords } from '../../src/steps/transform-split.js';

async function records(chunks: readonly string[], splitType: 'None' | 'Line'): Promise<string[]> {
  const out: string[] = [];
  for await (const record of splitRecords(Readable.from(chunks.map((c) => Buffer.from(c))), splitType)) out.push(record.toString('utf8'));
  return out;
}

describe('SplitType', () => {
  it.each([
    ['Line: one record per line', ['a,1\nb,2\nc,3\n'], 'Line', ['a,1', 'b,2', 'c,3']],
    ['Line: no trailing newline', ['a\nb'], 'Line', ['a', 'b']],
    ['Line: lines cut across chunks', ['a,', '1\nb', ',2\n', 'c'], 'Line', ['a,1', 'b,2', 'c']],
    ['Line: CRLF line ends', ['a\r\nb\r\n'], 'Line', ['a', 'b']],
    ['Line: blank lines are not records', ['a\n\n  \nb\n\n'], 'Line', ['a', 'b']],
    ['Line: empty object has no records', [], 'Line', []],
    ['None: the whole object is one record', ['a\n', 'b\n'], 'None', ['a\nb\n']],
  ] as const)('%s', async (_label, chunks, splitType, expected) => {
    expect(await records(chunks, splitType)).toEqual(expected);
  });

  it('splits the same way whatever the chunking', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.stringMatching(/^[a-z0-9,]{1,8}$/), { maxLength: 20 }), fc.integer({ min: 1, max: 7 }), async (lines, size) => {
        const text = lines.map((l) => `${l}\n`).join('');
        const chunks: string[] = [];
        for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
        expect(await records(chunks, 'Line')).toEqual(lines);
      }),
    );
  });

  it('keeps multi-byte characters cut between chunks intact', () => {
    const bytes = Buffer.from('é,1\nü,2\n');
    const splitter = new LineSplitter();
    const lines = [...splitter.push(bytes.subarray(0, 1)), ...splitter.push(bytes.subarray(1)), ...splitter.end()];
    expect(lines.map((l) => l.toString('utf8'))).toEqual(['é,1', 'ü,2']);
  });

  it.each(['RecordIO', 'TFRecord'])('refuses %s with a clear message', (type) => {
    expect(() => parseSplitType(type)).toThrow(expect.objectContaining({ code: 'TRANSFORM_UNSUPPORTED', message: `SplitType ${type} does not run locally` }));
  });

  it('defaults to None and rejects unknown values', () => {
    expect(parseSplitType(undefined)).toBe('None');
    expect(() => parseSplitType('Lines')).toThrow('SplitType must be');
  });
});
