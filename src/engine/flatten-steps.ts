// A definition's steps, those inside Condition branches included: what every "all the steps"
// lookup walks (step names, types, images), in definition order.
import type { PipelineStep } from './definition-types.js';

/**
 * Every step, each followed by the steps of its IfSteps then ElseSteps (depth first). Iterative and
 * linear in the number of steps, however deep the branches nest.
 */
export function flattenSteps(steps: readonly PipelineStep[]): PipelineStep[] {
  const out: PipelineStep[] = [];
  // Lists still to walk, each with the index of its next step; the top one is walked first.
  const stack: { readonly list: readonly PipelineStep[]; next: number }[] = [{ list: steps, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as (typeof stack)[number];
    const step = top.list[top.next++];
    if (step === undefined) {
      stack.pop();
      continue;
    }
    out.push(step);
    if (step.Type === 'Condition') {
      // ElseSteps below IfSteps on the stack, so the IfSteps come out first.
      stack.push({ list: step.Arguments.ElseSteps ?? [], next: 0 }, { list: step.Arguments.IfSteps ?? [], next: 0 });
    }
  }
  return out;
}
