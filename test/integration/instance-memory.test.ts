// A job container gets the memory of the instance type it asks for, as in SageMaker: a Processing
// step on ml.t3.medium reads a 4 GiB limit from its own cgroup, through the harness users call and
// through `sagesim run`; with instanceMemory off (`--no-instance-memory`) it is not limited.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { PipelineDefinition } from '../../src/engine/definition-types.js';
import { createTestEnvironment } from '../../src/testing/test-environment.js';
import { SKLEARN_URI } from './support/job-harness.js';
import { captureIo } from '../unit/support/capture-io.js';
import { dockerClient } from './support/docker.js';

const FOUR_GIB = String(4 * 1024 ** 3);

/** Prints the container's memory limit: cgroup v2 first, then v1. */
const PRINT_LIMIT = 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes';

function probe(instanceType: string): PipelineDefinition {
  return {
    Version: '2020-12-01',
    Metadata: {},
    Parameters: [],
    PipelineExperimentConfig: null,
    Steps: [
      {
        Name: 'Probe',
        Type: 'Processing',
        Arguments: {
          ProcessingResources: { ClusterConfig: { InstanceType: instanceType, InstanceCount: 1, VolumeSizeInGB: 30 } },
          AppSpecification: { ImageUri: SKLEARN_URI, ContainerEntrypoint: ['sh', '-c', `echo "limit=$(${PRINT_LIMIT})"`] },
          RoleArn: 'arn:aws:iam::111122223333:role/SageMakerRole',
        },
      },
    ],
  } as unknown as PipelineDefinition;
}

/** The limit the step's container printed. */
function limitIn(log: string): string {
  const match = /limit=(\S+)/.exec(log);
  if (!match?.[1]) throw new Error(`no limit= line in the step log:\n${log}`);
  return match[1];
}

/** cgroup v2 says `max`; v1 says a number near 2^63, far above this machine's memory. */
function expectUnlimited(limit: string): void {
  if (limit !== 'max') expect(Number(limit)).toBeGreaterThan(totalmem());
}

async function containersOf(executionId: string): Promise<unknown[]> {
  const docker = dockerClient();
  return docker.listContainers({ all: true, filters: JSON.stringify({ label: [`sagesim.execution-id=${executionId}`] }) });
}

describe('job containers get their instance type memory', { timeout: 300_000 }, () => {
  let work: string;

  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'sagesim-instance-memory-'));
  });

  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('ml.t3.medium: the container is limited to 4 GiB, as the instance has', async () => {
    await using env = await createTestEnvironment({ docker: true, config: { cwd: work } });
    const result = await env.run(probe('ml.t3.medium'));
    expect(result.status).toBe('Succeeded');
    expect(limitIn(await result.step('Probe').log())).toBe(FOUR_GIB);
    expect(await containersOf(result.executionId)).toEqual([]);
  });

  it('instanceMemory false: the same step is not limited', async () => {
    await using env = await createTestEnvironment({ docker: true, config: { cwd: work, instanceMemory: false } });
    const result = await env.run(probe('ml.t3.medium'));
    expect(result.status).toBe('Succeeded');
    expectUnlimited(limitIn(await result.step('Probe').log()));
  });

  it('sagesim run limits the container by default, and --no-instance-memory lifts the limit', async () => {
    const file = path.join(work, 'probe.json');
    writeFileSync(file, JSON.stringify(probe('ml.t3.medium')));
    const home = path.join(work, 'cli-home');

    async function sagesim(...args: string[]): Promise<{ code: number; out: string; err: string }> {
      const io = captureIo(work);
      const code = await runCli([...args, '--home', home], io);
      return { code, out: io.out(), err: io.err() };
    }
    async function runAndReadLimit(...flags: string[]): Promise<string> {
      const run = await sagesim('run', file, '--json', ...flags);
      expect(run.code, run.err).toBe(0);
      const { PipelineExecutionArn } = JSON.parse(run.out) as { PipelineExecutionArn: string };
      const logs = await sagesim('logs', PipelineExecutionArn, 'Probe');
      expect(logs.code, logs.err).toBe(0);
      return limitIn(logs.out);
    }

    expect(await runAndReadLimit()).toBe(FOUR_GIB);
    expectUnlimited(await runAndReadLimit('--no-instance-memory'));
  });
});
