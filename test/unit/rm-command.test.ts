// `sagesim rm` and `prune`: executions go with their logs and the S3 objects they wrote; the
// user's own objects, running executions and other executions stay; nothing goes unconfirmed.
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAge, selectForPrune } from '../../src/cli/commands/rm.js';
import { runCli } from '../../src/cli/main.js';
import type { ExecutionRecord } from '../../src/engine/execution-record.js';
import { captureIo } from './support/capture-io.js';

const ABALONE = path.resolve(import.meta.dirname, '../../fixtures/definitions/abalone.json');
const BUCKET = 's3://sagemaker-us-east-1-111122223333';

async function cli(cwd: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo(cwd);
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

async function runAbalone(cwd: string): Promise<string> {
  const run = await cli(cwd, 'run', ABALONE, '--stub-all', '--json', '--no-cache');
  expect(run.code, run.err).toBe(0);
  return (JSON.parse(run.out) as { PipelineExecutionArn: string }).PipelineExecutionArn.split('/').pop() ?? '';
}

describe('sagesim rm', { timeout: 60_000 }, () => {
  it('removes one execution, its logs and its S3 objects, and nothing else', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'sagesim-rm-'));
    writeFileSync(path.join(cwd, 'data.csv'), '1,2\n');
    expect((await cli(cwd, 's3', 'cp', 'data.csv', `${BUCKET}/AbalonePipeline/input/data.csv`)).code).toBe(0);
    const first = await runAbalone(cwd);
    const second = await runAbalone(cwd);
    const objectsOf = async (id: string): Promise<string[]> => {
      const listed = await cli(cwd, 's3', 'ls', `${BUCKET}/`, '--recursive', '--json');
      return (JSON.parse(listed.out) as { Contents: { Key: string }[] }).Contents.map((o) => o.Key).filter((key) => key.includes(`/${id}/`));
    };
    expect(await objectsOf(first)).not.toEqual([]);

    const dry = await cli(cwd, 'rm', first, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toContain(`would remove:\n  ${first}  abalone  Succeeded`);
    expect(dry.out).toContain(`${BUCKET}/AbalonePipeline/${first}/`);
    expect(existsSync(path.join(cwd, '.sagesim/executions', first))).toBe(true);

    const unconfirmed = await cli(cwd, 'rm', first);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.err).toContain('pass --force');

    const removed = await cli(cwd, 'rm', first, '--force');
    expect(removed.code, removed.err).toBe(0);
    expect(removed.out).toMatch(/removed 1 execution and \d+ S3 objects?/);
    expect(readdirSync(path.join(cwd, '.sagesim/executions'))).toEqual([second]);
    expect(await objectsOf(first)).toEqual([]);
    expect(await objectsOf(second)).not.toEqual([]);
    expect((await cli(cwd, 's3', 'cat', `${BUCKET}/AbalonePipeline/input/data.csv`)).out).toBe('1,2\n');
    expect((await cli(cwd, 'show', first)).code).toBe(2);
  });

  it('prune --keep 1 removes all but the newest, --force', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'sagesim-rm-'));
    await runAbalone(cwd);
    const newest = await runAbalone(cwd);
    const pruned = await cli(cwd, 'prune', '--keep', '1', '--force');
    expect(pruned.code, pruned.err).toBe(0);
    expect(readdirSync(path.join(cwd, '.sagesim/executions'))).toEqual([newest]);
    expect((await cli(cwd, 'prune', '--keep', '1', '--force')).out).toBe('nothing to remove\n');
  });
});

describe('what prune selects', () => {
  const record = (id: string, status: string, startTime: string): ExecutionRecord => ({ executionId: id, status, startTime }) as unknown as ExecutionRecord;
  const now = new Date('2026-01-10T00:00:00Z');
  const records = [record('e', 'Executing', '2026-01-09T23:00:00Z'), record('d', 'Failed', '2026-01-09T00:00:00Z'), record('c', 'Succeeded', '2026-01-05T00:00:00Z'), record('b', 'Stopped', '2026-01-01T00:00:00Z')];

  it.each<[string, Parameters<typeof selectForPrune>[1], string[]]>([
    ['everything finished, never a running one', {}, ['d', 'c', 'b']],
    ['--older-than 2d', { olderThan: '2d' }, ['c', 'b']],
    ['--keep 2', { keep: '2' }, ['b']],
    ['--status Failed', { status: 'Failed' }, ['d']],
  ])('%s', (_label, flags, expected) => {
    expect(selectForPrune(records, flags, now).map((r) => r.executionId)).toEqual(expected);
  });

  it('rejects an age without a unit and a status that is not final', () => {
    expect(() => parseAge('7')).toThrow(/--older-than must be a number and a unit/);
    expect(() => selectForPrune(records, { status: 'Executing' }, now)).toThrow(/--status must be one of Succeeded, Failed, Stopped/);
  });
});
