// A definition's steps, those inside Condition branches included: what every "all the steps"
// lookup walks (step names, types, images), in definition order.
import type { PipelineStep } from './definition-types.js';

/** Every step, each followed by the steps of its IfSteps then ElseSteps (depth first). */
export function flattenSteps(steps: readonly PipelineStep[]): PipelineStep[] {
  return steps.flatMap((step) =>
    step.Type === 'Condition' ? [step, ...flattenSteps(step.Arguments.IfSteps), ...flattenSteps(step.Arguments.ElseSteps)] : [step],
  );
}
