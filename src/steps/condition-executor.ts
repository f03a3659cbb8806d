// Condition steps evaluate their already-resolved Conditions; the scheduler reads the outcome
// from the metadata to decide which branch runs.
import { evaluateConditions } from '../engine/conditions.js';
import type { Condition } from '../engine/definition-types.js';
import { SagesimError } from '../errors.js';
import type { StepContext, StepExecutor, StepResult } from './executor.js';

export class ConditionExecutor implements StepExecutor {
  readonly stepType = 'Condition' as const;

  async execute(context: StepContext): Promise<StepResult> {
    const conditions = context.arguments['Conditions'];
    if (!Array.isArray(conditions)) {
      throw new SagesimError('INVALID_CONDITION_STEP', `Condition step ${context.step.Name} has no Conditions list`, { source: 'user' });
    }
    const outcome = evaluateConditions(conditions as unknown as readonly Condition[]);
    context.log(`condition evaluated to ${outcome}`);
    // `Steps.<Cond>.Outcome` is a boolean (Std:Join renders it `true`/`false`); the API's metadata says "True"/"False".
    return { properties: { Outcome: outcome }, metadata: { Condition: { Outcome: outcome ? 'True' : 'False' } } };
  }
}

/** The outcome a Condition step's result carries, or undefined for other results. */
export function conditionOutcome(result: Pick<StepResult, 'metadata'>): boolean | undefined {
  const outcome = result.metadata?.Condition?.Outcome;
  return outcome === undefined ? undefined : outcome === 'True';
}
