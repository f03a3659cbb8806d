// Builds the StepContext an executor receives from the engine, for executor unit tests.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PipelineStep } from '../../../src/engine/definition-types.js';
import type { JsonObject } from '../../../src/engine/json.js';
import type { ExecutionIdentity } from '../../../src/engine/resolve-context.js';
import { MemoryObjectStore } from '../../../src/mock-aws/memory-object-store.js';
import type { ObjectStore } from '../../../src/ports/object-store.js';
import type { StepContext } from '../../../src/steps/executor.js';

export const EXECUTION: ExecutionIdentity = {
  executionId: 'abcdef123456',
  executionArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/demo/execution/abcdef123456',
  pipelineName: 'demo',
  pipelineArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/demo',
  startTime: new Date('2024-05-01T00:00:00Z'),
  region: 'us-east-1',
  accountId: '111122223333',
};

export interface RecordedContext extends StepContext {
  readonly logs: string[];
  readonly warnings: string[];
  readonly controller: AbortController;
}

export async function executorContext(
  step: PipelineStep,
  options: { arguments?: JsonObject; objectStore?: ObjectStore; jobName?: string; workDir?: string } = {},
): Promise<RecordedContext> {
  const logs: string[] = [];
  const warnings: string[] = [];
  const controller = new AbortController();
  const workDir = options.workDir ?? (await mkdtemp(path.join(tmpdir(), 'sagesim-step-')));
  return {
    execution: EXECUTION,
    step,
    arguments: options.arguments ?? ('Arguments' in step ? (step.Arguments as JsonObject) : {}),
    jobName: options.jobName ?? `pipelines-abcdef123456-${step.Name}-Xy12Ab34Cd`,
    attempt: 1,
    signal: controller.signal,
    objectStore: options.objectStore ?? new MemoryObjectStore(),
    log: (line) => logs.push(line),
    logFile: path.join(workDir, 'step.log'),
    workDir,
    warn: (warning) => warnings.push(warning.message),
    logs,
    warnings,
    controller,
  };
}
