// Fail steps end the execution on purpose: the rendered ErrorMessage becomes the step's
// FailureReason and its Fail.ErrorMessage metadata, as in the cloud.
import { renderJoinValue } from '../engine/expressions.js';
import { StepFailure } from '../errors.js';
import type { StepContext, StepExecutor, StepResult } from './executor.js';

export class FailExecutor implements StepExecutor {
  readonly stepType = 'Fail' as const;

  async execute(context: StepContext): Promise<StepResult> {
    const raw = context.arguments['ErrorMessage'];
    const message = raw === undefined || raw === null ? '' : renderJoinValue(raw);
    context.log(message ? `fail step: ${message}` : 'fail step (no error message)');
    throw new StepFailure(message, { code: 'FAIL_STEP', source: 'user', metadata: { Fail: { ErrorMessage: message } } });
  }
}
