// Step types that cannot run on a laptop (they need an EMR cluster or SageMaker-managed
// services). They fail with one clear message saying a stub can stand in for them.
import type { StepType } from '../engine/definition-types.js';
import { type StepTypesWhere, stepKind, stepTypesWhere } from '../engine/step-kinds.js';
import { StepFailure } from '../errors.js';
import type { StepContext, StepExecutor, StepResult } from './executor.js';
import { withArticle } from '../util/article.js';

/** The types the step-kind table says do not run locally. */
export type UnsupportedStepType = StepTypesWhere<'runsLocally', false>;
export const UNSUPPORTED_STEP_TYPES: readonly UnsupportedStepType[] = stepTypesWhere('runsLocally', false);

export function isUnsupportedStepType(type: StepType): type is UnsupportedStepType {
  return !stepKind(type).runsLocally;
}

/**
 * What is wrong, shared with the checks that refuse or warn before an execution starts; they give
 * the advice as a hint, in the words of the CLI or of the harness.
 */
export function unsupportedStepMessage(stepName: string, type: UnsupportedStepType): string {
  return `step "${stepName}" is ${withArticle(type)} step, which does not run locally (${WHY[type]})`;
}

/** What to do about it, in the CLI's words (a step's FailureReason and a warning have no hint). */
export function stubAdvice(stepName: string): string {
  return `stub it: \`sagesim run <definition> --stub ${stepName}\`, or list it in a stubs file given with \`--stubs stubs.json\` to choose its properties`;
}

const WHY: Readonly<Record<UnsupportedStepType, string>> = {
  EMR: 'it needs an Amazon EMR cluster',
  QualityCheck: 'SageMaker Model Monitor baselining runs as a managed service',
  ClarifyCheck: 'SageMaker Clarify runs as a managed service',
  AutoML: 'SageMaker Autopilot runs as a managed service',
};

export class UnsupportedStepExecutor implements StepExecutor {
  constructor(readonly stepType: UnsupportedStepType) {}

  async execute(context: StepContext): Promise<StepResult> {
    throw new StepFailure(`${unsupportedStepMessage(context.step.Name, this.stepType)}; ${stubAdvice(context.step.Name)}`, { code: 'STEP_TYPE_NOT_LOCAL', source: 'user' });
  }
}

export function createUnsupportedExecutors(): StepExecutor[] {
  return UNSUPPORTED_STEP_TYPES.map((type) => new UnsupportedStepExecutor(type));
}
