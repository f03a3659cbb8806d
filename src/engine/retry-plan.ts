// RetryPipelineExecution semantics: a Failed (or Stopped) execution runs again in place: the same
// execution id and ARN, status back to Executing; steps that succeeded keep their results, failed,
// stopped and never-started steps run again; a selective execution retried stays selective.
import { SagesimError } from '../errors.js';
import type { ExecutionRecord } from './execution-record.js';
import type { ExecutionIdentity } from './resolve-context.js';
import type { ReuseSteps } from './scheduler.js';

export interface RetryPlan {
  /** The identity the retried execution keeps. */
  readonly identity: ExecutionIdentity;
  /** Steps whose results are kept (they succeeded). */
  readonly kept: readonly string[];
  readonly reuse: ReuseSteps | undefined;
  /** The steps a selective execution selected: the ones it left out still do not run. */
  readonly onlySteps: readonly string[] | undefined;
}

/**
 * What a retry of `record` keeps and runs. Throws SagesimError `RETRY_NOT_ALLOWED` (source user)
 * unless the execution is Failed or Stopped and ran here.
 */
export function planRetry(record: ExecutionRecord): RetryPlan {
  if (record.status !== 'Failed' && record.status !== 'Stopped') {
    throw new SagesimError('RETRY_NOT_ALLOWED', `execution ${record.executionId} is ${record.status}: only a Failed or Stopped execution can be retried`, {
      source: 'user',
      hint: record.status === 'Succeeded' ? 'run the pipeline again, or re-run some steps with `sagesim run <file> --from <execution> --steps A,B`' : 'wait for it to end',
      ...(record.status === 'Succeeded' ? { harnessHint: "run the pipeline again, or re-run some steps: `env.run(definition, { from: result, steps: ['A', 'B'] })`" } : {}),
    });
  }
  if (record.mode === 'remote') {
    throw new SagesimError('RETRY_NOT_ALLOWED', `execution ${record.executionId} ran in SageMaker, not here`, {
      source: 'user',
      hint: 'retry it where it ran (RetryPipelineExecution)',
    });
  }
  const kept = record.steps.filter((step) => step.status === 'Succeeded').map((step) => step.stepName);
  return {
    identity: identityOf(record),
    kept,
    reuse: kept.length > 0 ? { execution: record, steps: kept } : undefined,
    onlySteps: record.selectedSteps,
  };
}

/** The identity of a stored execution, so a retry answers to the same id and ARN. */
export function identityOf(record: ExecutionRecord): ExecutionIdentity {
  // arn:aws:sagemaker:<region>:<account>:pipeline/<name>/execution/<id>
  const [, , , region, accountId] = record.executionArn.split(':');
  return {
    executionId: record.executionId,
    executionArn: record.executionArn,
    pipelineName: record.pipelineName,
    pipelineArn: record.pipelineArn,
    startTime: new Date(record.startTime),
    region: region ?? 'us-east-1',
    accountId: accountId ?? '111122223333',
  };
}
