// `--json` on every command that lists or shows: the same facts as the table, in a shape a script
// reads (API shapes where there is one), on stdout alone.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { captureIo } from './support/capture-io.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/definitions');

async function cli(cwd: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo(cwd);
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

describe('--json', { timeout: 30_000 }, () => {
  it('s3 ls: ListBuckets and ListObjectsV2 shapes', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'sagesim-json-'));
    writeFileSync(path.join(cwd, 'a.csv'), 'x\n1\n');
    expect((await cli(cwd, 's3', 'cp', 'a.csv', 's3://data/in/a.csv')).code).toBe(0);
    expect((await cli(cwd, 's3', 'cp', 'a.csv', 's3://data/in/deeper/b.csv')).code).toBe(0);

    const buckets = await cli(cwd, 's3', 'ls', '--json');
    expect(buckets.code, buckets.err).toBe(0);
    expect(JSON.parse(buckets.out)).toMatchObject({ Buckets: [{ Name: 'data' }] });

    const level = await cli(cwd, 's3', 'ls', 's3://data/in/', '--json');
    expect(JSON.parse(level.out)).toMatchObject({ Name: 'data', Prefix: 'in/', Contents: [{ Key: 'in/a.csv', Size: 4 }], CommonPrefixes: [{ Prefix: 'in/deeper/' }] });
    expect(JSON.parse(level.out).Contents[0].LastModified).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);

    const all = await cli(cwd, 's3', 'ls', 's3://data/', '--recursive', '--json');
    expect(JSON.parse(all.out).Contents.map((o: { Key: string }) => o.Key)).toEqual(['in/a.csv', 'in/deeper/b.csv']);
  });

  it('graph: steps in run order with their upstream steps and branches', async () => {
    const result = await cli(process.cwd(), 'graph', path.join(FIXTURES, 'conditions-not-or-in.json'), '--json');
    expect(result.code).toBe(0);
    const graph = JSON.parse(result.out) as { Steps: { Name: string; Upstream: string[]; Branch?: unknown }[]; Edges: unknown[] };
    expect(graph.Steps.map((s) => s.Name)).toEqual(['ComputeMetrics', 'QualityGate', 'PublishMetrics', 'GateFailed']);
    expect(graph.Steps[2]).toMatchObject({ Name: 'PublishMetrics', Type: 'Processing', Branch: { Condition: 'QualityGate', Outcome: 'True' } });
    expect(graph.Edges).toContainEqual({ From: 'QualityGate', To: 'GateFailed', Kind: 'else' });
  });

  it('logs: the step, its status, where the log is and what it says', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'sagesim-json-'));
    const run = await cli(cwd, 'run', path.join(FIXTURES, 'abalone.json'), '--stub-all', '--json');
    const id = (JSON.parse(run.out) as { PipelineExecutionArn: string }).PipelineExecutionArn.split('/').pop() ?? '';
    const logs = await cli(cwd, 'logs', id, 'AbaloneTrain', '--json');
    expect(logs.code, logs.err).toBe(0);
    expect(JSON.parse(logs.out)).toMatchObject({ ExecutionId: id, StepName: 'AbaloneTrain', StepStatus: 'Succeeded', LogFile: expect.stringContaining(id) });
    expect(typeof JSON.parse(logs.out).Log).toBe('string');
    const both = await cli(cwd, 'logs', id, 'AbaloneTrain', '--json', '--follow');
    expect(both.code).toBe(2);
  });
});
