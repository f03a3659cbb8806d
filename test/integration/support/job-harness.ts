// Real dependencies for container executor integration tests: the embedded S3 emulator, the Docker
// runtime, the executors, and a StepContext per step with its own execution id (for leak checks).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveConfig, type SagesimConfig } from '../../../src/config.js';
import type { JobStep } from '../../../src/engine/definition-types.js';
import type { JsonObject } from '../../../src/engine/json.js';
import { createObjectStore } from '../../../src/mock-aws/s3-client.js';
import type { S3ObjectStore } from '../../../src/mock-aws/s3-object-store.js';
import { DockerEngine } from '../../../src/adapters/docker/docker-engine.js';
import type { StepContext, StepExecutor } from '../../../src/steps/executor.js';
import { createContainerExecutors, type ContainerExecutorDeps } from '../../../src/steps/job-executors.js';

export interface JobHarness {
  readonly config: SagesimConfig;
  readonly store: S3ObjectStore;
  readonly runtime: DockerEngine;
  readonly root: string;
  executor(type: JobStep['Type'], overrides?: Partial<ContainerExecutorDeps>): StepExecutor;
  context(step: JobStep, options?: { jobName?: string }): Promise<StepContext & { logs: string[]; warnings: string[]; controller: AbortController }>;
  close(): Promise<void>;
}

export async function jobHarness(): Promise<JobHarness> {
  const root = await mkdtemp(path.join(tmpdir(), 'sagesim-it-'));
  const config = resolveConfig({ cwd: root, home: path.join(root, '.sagesim') }, {});
  const store = await createObjectStore(config);
  const runtime = new DockerEngine({ socketPath: config.dockerSocket });
  await runtime.ping();
  const deps: ContainerExecutorDeps = { config, runtime, objectStore: store, s3Endpoint: store.endpoint };
  return {
    config,
    store,
    runtime,
    root,
    executor(type, overrides = {}) {
      return createContainerExecutors({ ...deps, ...overrides })[type];
    },
    async context(step, options = {}) {
      const executionId = randomBytes(6).toString('hex');
      const workDir = await mkdtemp(path.join(root, `${step.Name}-`));
      const logs: string[] = [];
      const warnings: string[] = [];
      const controller = new AbortController();
      return {
        execution: {
          executionId,
          executionArn: `arn:aws:sagemaker:us-east-1:111122223333:pipeline/it/execution/${executionId}`,
          pipelineName: 'it',
          pipelineArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/it',
          startTime: new Date(),
          region: config.region,
          accountId: config.accountId,
        },
        step,
        arguments: step.Arguments as JsonObject,
        jobName: options.jobName ?? `pipelines-${executionId}-${step.Name}-${randomBytes(5).toString('hex')}`,
        attempt: 1,
        signal: controller.signal,
        objectStore: store,
        log: (line) => logs.push(line),
        logFile: path.join(workDir, 'step.log'),
        workDir,
        warn: (warning) => warnings.push(warning.message),
        logs,
        warnings,
        controller,
      };
    },
    async close() {
      await store[Symbol.asyncDispose]();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A bucket name of its own for a test. */
export function testBucket(): string {
  return `it-${randomBytes(4).toString('hex')}`;
}

export const SKLEARN_URI = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3';
export const XGBOOST_URI = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';
