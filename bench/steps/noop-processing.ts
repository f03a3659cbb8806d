// Benchmark: a no-op Processing step through the executor (workdir, config files, labelled container
// attached, started, waited, inspected, removed) against a bare `docker run --rm` of the same image
// and command. Target (issue 3): the executor takes at most 1.2x the bare run.
// Run: npx tsx bench/steps/noop-processing.ts [--rounds N]
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { resolveConfig } from '../../src/config.js';
import type { JobStep } from '../../src/engine/definition-types.js';
import { MemoryObjectStore } from '../../src/mock-aws/memory-object-store.js';
import { DockerEngine } from '../../src/adapters/docker/docker-engine.js';
import type { StepContext } from '../../src/steps/executor.js';
import { createContainerExecutors } from '../../src/steps/job-executors.js';

const run = promisify(execFile);

export const NOOP_TARGET_RATIO = 1.2;

export interface NoopResult {
  readonly image: string;
  readonly command: readonly string[];
  /** Median wall time of the bare `docker run --rm`, in seconds. */
  readonly dockerRunSeconds: number;
  /** Median wall time of the Processing executor, in seconds. */
  readonly executorSeconds: number;
  readonly ratio: number;
  readonly meetsTarget: boolean;
}

export interface NoopBenchOptions {
  /** Timed rounds of each (after one warm-up); the median counts. @default 7 */
  readonly rounds?: number;
  /** @default 'sagesim/sklearn:latest' */
  readonly image?: string;
  /** @default ['python3', '-c', 'pass'] */
  readonly command?: readonly string[];
  readonly log?: (line: string) => void;
}

export async function benchNoopProcessing(options: NoopBenchOptions = {}): Promise<NoopResult> {
  const rounds = options.rounds ?? 7;
  const image = options.image ?? 'sagesim/sklearn:latest';
  const command = options.command ?? ['python3', '-c', 'pass'];
  const log = options.log ?? (() => undefined);
  const root = await mkdtemp(path.join(tmpdir(), 'sagesim-bench-noop-'));
  const config = resolveConfig({ cwd: root, home: path.join(root, '.sagesim') }, {});
  const runtime = new DockerEngine({ socketPath: config.dockerSocket });
  const objectStore = new MemoryObjectStore();
  const processing = createContainerExecutors({ config, runtime, objectStore, s3Endpoint: 'http://127.0.0.1:1', resolveImage: (uri) => ({ localTag: uri }) }).Processing;
  const executionId = `bench${randomBytes(4).toString('hex')}`;
  const step: JobStep = {
    Name: 'Noop',
    Type: 'Processing',
    Arguments: {
      ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 } },
      AppSpecification: { ImageUri: image, ContainerEntrypoint: [...command] },
      RoleArn: 'arn:aws:iam::111122223333:role/SageMakerRole',
    },
  };

  let attempt = 0;
  const viaExecutor = async (): Promise<void> => {
    attempt += 1;
    const workDir = path.join(root, 'steps', `attempt-${attempt}`);
    const context: StepContext = {
      execution: {
        executionId,
        executionArn: `arn:aws:sagemaker:${config.region}:${config.accountId}:pipeline/bench/execution/${executionId}`,
        pipelineName: 'bench',
        pipelineArn: `arn:aws:sagemaker:${config.region}:${config.accountId}:pipeline/bench`,
        startTime: new Date(),
        region: config.region,
        accountId: config.accountId,
      },
      step,
      arguments: step.Arguments,
      jobName: `pipelines-${executionId}-Noop-${attempt}`,
      attempt: 1,
      signal: new AbortController().signal,
      objectStore,
      log: () => undefined,
      logFile: path.join(workDir, 'step.log'),
      workDir,
      warn: () => undefined,
    };
    await processing.execute(context);
  };
  const viaDockerRun = async (): Promise<void> => {
    await run('docker', ['run', '--rm', '--network', 'host', '--label', `sagesim.execution-id=${executionId}`, '--entrypoint', command[0] ?? 'true', image, ...command.slice(1)]);
  };

  try {
    await runtime.ping();
    log(`warming up (${image}: ${command.join(' ')})`);
    await viaDockerRun();
    await viaExecutor();
    const bare: number[] = [];
    const ours: number[] = [];
    // Alternate, so drift in the machine's load hits both alike.
    for (let round = 0; round < rounds; round++) {
      bare.push(await timed(viaDockerRun));
      ours.push(await timed(viaExecutor));
      log(`round ${round + 1}/${rounds}: docker run ${bare.at(-1)?.toFixed(3)} s, executor ${ours.at(-1)?.toFixed(3)} s`);
    }
    const dockerRunSeconds = median(bare);
    const executorSeconds = median(ours);
    const ratio = executorSeconds / dockerRunSeconds;
    return { image, command, dockerRunSeconds, executorSeconds, ratio, meetsTarget: ratio <= NOOP_TARGET_RATIO };
  } finally {
    await runtime.sweep({ executionId });
    await rm(root, { recursive: true, force: true });
  }
}

export function formatNoopResult(result: NoopResult): string {
  return (
    `no-op Processing step (${result.image} ${result.command.join(' ')}): docker run --rm ${result.dockerRunSeconds.toFixed(3)} s, ` +
    `executor ${result.executorSeconds.toFixed(3)} s, ratio ${result.ratio.toFixed(2)}x (target <= ${NOOP_TARGET_RATIO}x): ${result.meetsTarget ? 'MET' : 'MISSED'}`
  );
}

async function timed(work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const roundsIndex = args.indexOf('--rounds');
  const rounds = roundsIndex === -1 ? undefined : Number(args[roundsIndex + 1]);
  const result = await benchNoopProcessing({ ...(rounds === undefined ? {} : { rounds }), log: (line) => console.log(line) });
  console.log('');
  console.log(formatNoopResult(result));
  process.exitCode = result.meetsTarget ? 0 : 1;
}
