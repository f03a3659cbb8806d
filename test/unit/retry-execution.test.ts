// RetryPipelineExecution semantics: a failed execution resumes in place (same id and ARN), keeping
// what succeeded and running its failed and never-started steps again.
import { describe, expect, it } from 'vitest';
import type { PipelineStep } from '../../src/engine/definition-types.js';
import type { ExecutionStatus } from '../../src/engine/execution-record.js';
import { retryPipelineExecution } from '../../src/app/retry-execution.js';
import { planRetry } from '../../src/engine/retry-plan.js';
import { toDescribePipelineExecution, toPipelineExecutionSteps } from '../../src/engine/run-record-json.js';
import { isSagesimError } from '../../src/errors.js';
import { definition, processingStep, run, statuses, stepOf, testConfig, testRun, trainingStep, testExecutors } from './support/pipeline-builders.js';

const steps: PipelineStep[] = [
  processingStep('Preprocess'),
  trainingStep('Train', { dependsOn: ['Preprocess'] }),
  processingStep('Evaluate', { dependsOn: ['Train'] }),
  processingStep('Report', { dependsOn: ['Evaluate'] }),
];
const def = definition(steps);

async function failedAtEvaluate() {
  const env = testRun();
  const failed = await run(def, env, { stubs: { all: true, steps: { Evaluate: { fail: { reason: 'evaluate.py: NameError' } } } } });
  return { env, failed };
}

describe('retrying an execution', () => {
  it('resumes a failed execution in place: same id and ARN, succeeded steps kept, the rest run again', async () => {
    const { env, failed } = await failedAtEvaluate();
    expect(statuses(failed)).toEqual({ Preprocess: 'Succeeded', Train: 'Succeeded', Evaluate: 'Failed', Report: 'Skipped' });
    const started: string[] = [];
    let statusWhenStarted: ExecutionStatus | undefined;
    const retried = await env.clock.runUntilSettled(
      retryPipelineExecution({
        execution: failed,
        config: testConfig(),
        executors: testExecutors(),
        objectStore: env.objectStore,
        store: env.store,
        clock: env.clock,
        stubs: { all: true },
        reporter: { stepStarted: (event) => started.push(event.step.stepName) },
        onStarted: (record) => (statusWhenStarted = record.status),
      }),
    );
    expect(statusWhenStarted).toBe('Executing');
    expect(retried.executionId).toBe(failed.executionId);
    expect(retried.executionArn).toBe(failed.executionArn);
    expect(retried.startTime).toBe(failed.startTime);
    expect(retried.status).toBe('Succeeded');
    expect(retried.failureReason).toBeUndefined();
    expect(started).toEqual(['Evaluate', 'Report']);
    expect(stepOf(retried, 'Train')).toEqual(stepOf(failed, 'Train'));
    // Not a selective execution: no source, no SelectiveExecutionResult on the kept steps.
    expect(toDescribePipelineExecution(retried).SelectiveExecutionConfig).toBeUndefined();
    expect(toPipelineExecutionSteps(retried).some((step) => step.SelectiveExecutionResult !== undefined)).toBe(false);
    const stored = await env.store.list();
    expect(stored.map((record) => [record.executionId, record.status])).toEqual([[failed.executionId, 'Succeeded']]);
  });

  it('keeps a retried selective execution selective, with its source', async () => {
    const { env, failed: source } = await failedAtEvaluate();
    const selective = await run(def, env, {
      reuse: { execution: source, steps: ['Preprocess', 'Train'] },
      onlySteps: ['Evaluate'],
      stubs: { all: true, steps: { Evaluate: { fail: { reason: 'still broken' } } } },
    });
    expect(selective.status).toBe('Failed');
    const retried = await env.clock.runUntilSettled(
      retryPipelineExecution({ execution: selective, config: testConfig(), executors: testExecutors(), objectStore: env.objectStore, store: env.store, clock: env.clock, stubs: { all: true } }),
    );
    expect(statuses(retried)).toEqual({ Preprocess: 'Succeeded', Train: 'Succeeded', Evaluate: 'Succeeded', Report: 'Skipped' });
    expect(retried.sourceExecutionArn).toBe(source.executionArn);
    expect(retried.selectedSteps).toEqual(['Evaluate']);
    expect(stepOf(retried, 'Train').reusedFrom).toBe(source.executionArn);
  });

  it.each(['Succeeded', 'Executing', 'Stopping'] as const)('refuses to retry an execution that is %s', async (status) => {
    const { failed } = await failedAtEvaluate();
    const error = (() => {
      try {
        planRetry({ ...failed, status });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isSagesimError(error) && error.code).toBe('RETRY_NOT_ALLOWED');
  });

  it('keeps every succeeded step, and only those', async () => {
    const { failed } = await failedAtEvaluate();
    expect(planRetry(failed).kept).toEqual(['Preprocess', 'Train']);
    expect(planRetry({ ...failed, status: 'Stopped' }).identity.executionArn).toBe(failed.executionArn);
  });
});
