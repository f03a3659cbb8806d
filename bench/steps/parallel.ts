// Benchmark: a pipeline of three independent 10-second Processing steps (real containers) run by
// the scheduler with max-parallel 3 against max-parallel 1. Target (issue 3): at most 0.4x.
// Run: npx tsx bench/steps/parallel.ts [--seconds N]
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { resolveConfig, type SagesimConfig } from '../../src/config.js';
import type { PipelineDefinition, PipelineStep } from '../../src/engine/definition-types.js';
import { FileExecutionStore } from '../../src/store/file-execution-store.js';
import { runPipeline } from '../../src/app/run-pipeline.js';
import { MemoryObjectStore } from '../../src/mock-aws/memory-object-store.js';
import { dockerEngineFor } from '../../src/adapters/docker/docker-engine.js';
import { createContainerExecutors } from '../../src/steps/job-executors.js';

export const PARALLEL_TARGET_RATIO = 0.4;

export interface ParallelResult {
  readonly stepSeconds: number;
  readonly sequentialSeconds: number;
  readonly parallelSeconds: number;
  readonly ratio: number;
  readonly meetsTarget: boolean;
}

export interface ParallelBenchOptions {
  /** How long each step's container sleeps. @default 10 */
  readonly stepSeconds?: number;
  /** @default 'sagesim/base:latest' */
  readonly image?: string;
  readonly log?: (line: string) => void;
}

/** Three Processing steps with no dependencies between them, each sleeping `seconds`. */
export function threeSleepingSteps(image: string, seconds: number): PipelineDefinition {
  const step = (name: string): PipelineStep => ({
    Name: name,
    Type: 'Processing',
    Arguments: {
      ProcessingResources: { ClusterConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 } },
      AppSpecification: { ImageUri: image, ContainerEntrypoint: ['sleep', String(seconds)] },
      RoleArn: 'arn:aws:iam::111122223333:role/SageMakerRole',
    },
  });
  return { Version: '2020-12-01', Parameters: [], Steps: [step('SleepA'), step('SleepB'), step('SleepC')] };
}

export async function benchParallel(options: ParallelBenchOptions = {}): Promise<ParallelResult> {
  const stepSeconds = options.stepSeconds ?? 10;
  const image = options.image ?? 'sagesim/base:latest';
  const log = options.log ?? (() => undefined);
  const root = await mkdtemp(path.join(tmpdir(), 'sagesim-bench-parallel-'));
  const definition = threeSleepingSteps(image, stepSeconds);
  const runtime = dockerEngineFor(resolveConfig({ cwd: root }, process.env));
  await runtime.ping();
  const objectStore = new MemoryObjectStore();

  const timedRun = async (maxParallel: number): Promise<number> => {
    const config: SagesimConfig = resolveConfig({ cwd: root, home: path.join(root, `.sagesim-${maxParallel}`), maxParallel, cache: false }, {});
    const executors = createContainerExecutors({ config, runtime, objectStore, s3Endpoint: 'http://127.0.0.1:1', resolveImage: (uri) => ({ localTag: uri }) });
    const started = performance.now();
    const record = await runPipeline({
      definition,
      pipelineName: `bench-parallel-${randomBytes(3).toString('hex')}`,
      config,
      executors,
      objectStore,
      store: new FileExecutionStore({ home: config.home }),
    });
    const seconds = (performance.now() - started) / 1000;
    if (record.status !== 'Succeeded') {
      throw new Error(`the pipeline ended ${record.status}: ${record.steps.map((s) => `${s.stepName} ${s.status} ${s.failureReason ?? ''}`).join('; ')}`);
    }
    await runtime.sweep({ executionId: record.executionId });
    log(`max-parallel ${maxParallel}: ${seconds.toFixed(2)} s`);
    return seconds;
  };

  try {
    const sequentialSeconds = await timedRun(1);
    const parallelSeconds = await timedRun(3);
    const ratio = parallelSeconds / sequentialSeconds;
    return { stepSeconds, sequentialSeconds, parallelSeconds, ratio, meetsTarget: ratio <= PARALLEL_TARGET_RATIO };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export function formatParallelResult(result: ParallelResult): string {
  return (
    `three independent ${result.stepSeconds}-second steps: max-parallel 1 ${result.sequentialSeconds.toFixed(2)} s, ` +
    `max-parallel 3 ${result.parallelSeconds.toFixed(2)} s, ratio ${result.ratio.toFixed(2)}x (target <= ${PARALLEL_TARGET_RATIO}x): ${result.meetsTarget ? 'MET' : 'MISSED'}`
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const secondsIndex = args.indexOf('--seconds');
  const stepSeconds = secondsIndex === -1 ? undefined : Number(args[secondsIndex + 1]);
  const result = await benchParallel({ ...(stepSeconds === undefined ? {} : { stepSeconds }), log: (line) => console.log(line) });
  console.log('');
  console.log(formatParallelResult(result));
  process.exitCode = result.meetsTarget ? 0 : 1;
}
