// One plan for every way an execution starts: `run`, `run --from --steps`, `retry`, the harness and
// `serve` all ask here which steps run, which results are reused and which identity the execution
// has, so the rules (selective-execution.ts, retry-plan.ts) are applied the same way everywhere.
import type { PipelineDefinition } from '../engine/definition-types.js';
import type { ExecutionRecord } from '../engine/execution-record.js';
import type { ExecutionIdentity } from '../engine/resolve-context.js';
import { planRetry } from '../engine/retry-plan.js';
import type { ReuseSteps } from '../engine/scheduler.js';
import { planSelectiveExecution } from '../engine/selective-execution.js';
import { assertNever } from '../errors.js';

/** What the caller asks for. */
export type LaunchRequest =
  /** The whole pipeline, as a new execution. */
  | { readonly kind: 'fresh' }
  /** SelectiveExecutionConfig: run `steps`, reuse the results upstream of them from `source`. */
  | { readonly kind: 'selective'; readonly steps: readonly string[]; readonly source?: ExecutionRecord }
  /** RetryPipelineExecution: `execution` runs again in place. */
  | { readonly kind: 'retry'; readonly execution: ExecutionRecord };

/** What `runPipeline` is given beyond the definition and the environment. */
export interface LaunchPlan {
  /** Only these steps run; the others are Skipped ("not selected") unless reused. */
  readonly onlySteps?: readonly string[];
  /** Steps whose results are copied from an earlier execution. */
  readonly reuse?: ReuseSteps;
  /** A retry keeps the execution's id, ARN and start time. */
  readonly identity?: ExecutionIdentity;
}

/**
 * Checks the request against the definition and says how the execution runs. Throws the rules'
 * SagesimErrors (source `user`): `SELECTIVE_*` for a selection SageMaker would refuse,
 * `RETRY_NOT_ALLOWED` for an execution that cannot be retried.
 */
export function planLaunch(definition: PipelineDefinition, pipelineName: string, request: LaunchRequest): LaunchPlan {
  switch (request.kind) {
    case 'fresh':
      return {};
    case 'selective': {
      const plan = planSelectiveExecution({
        definition,
        pipelineName,
        selectedSteps: request.steps,
        ...(request.source ? { source: request.source } : {}),
      });
      return { onlySteps: plan.selectedSteps, ...(plan.reuse ? { reuse: plan.reuse } : {}) };
    }
    case 'retry': {
      const plan = planRetry(request.execution);
      return {
        identity: plan.identity,
        ...(plan.reuse ? { reuse: plan.reuse } : {}),
        ...(plan.onlySteps ? { onlySteps: plan.onlySteps } : {}),
      };
    }
    default:
      return assertNever(request, 'launch request');
  }
}
