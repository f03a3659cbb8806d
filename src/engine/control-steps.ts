// Condition and Fail steps: control flow the scheduler runs itself. A Condition's outcome picks
// the branch that runs; a Fail step ends the execution on purpose, its rendered ErrorMessage the
// step's FailureReason and Fail.ErrorMessage metadata, as in the cloud.
import { SagesimError, StepFailure } from '../errors.js';
import { evaluateConditions } from './conditions.js';
import type { Condition } from './definition-types.js';
import { renderJoinValue } from './expressions.js';
import type { JsonValue } from './json.js';
import type { ControlStep, ControlStepType, StepContext, StepResult, StepRunner } from './step-executor.js';

const conditionRunner: StepRunner = {
  async execute(context: StepContext): Promise<StepResult> {
    const conditions = context.arguments['Conditions'];
    if (!Array.isArray(conditions)) {
      throw new SagesimError('INVALID_CONDITION_STEP', `Condition step ${context.step.Name} has no Conditions list`, { source: 'user' });
    }
    const outcome = evaluateConditions(conditions as unknown as readonly Condition[]);
    context.log(`condition evaluated to ${outcome}`);
    // `Steps.<Cond>.Outcome` is a boolean (Std:Join renders it `true`/`false`); the API's metadata says "True"/"False".
    return { properties: { Outcome: outcome }, metadata: { Condition: { Outcome: outcome ? 'True' : 'False' } } };
  },
};

const failRunner: StepRunner = {
  async execute(context: StepContext): Promise<StepResult> {
    const raw = context.arguments['ErrorMessage'];
    const message = raw === undefined || raw === null ? '' : renderJoinValue(raw);
    context.log(message ? `fail step: ${message}` : 'fail step (no error message)');
    throw new StepFailure(message, { code: 'FAIL_STEP', source: 'user', metadata: { Fail: { ErrorMessage: message } } });
  },
};

/** How the scheduler runs each control step type; a new control type does not compile without one. */
export const CONTROL_RUNNERS: { readonly [T in ControlStepType]: StepRunner } = { Condition: conditionRunner, Fail: failRunner };

/**
 * The part of a control step's Arguments resolved before it runs: a Condition's `Conditions` only
 * (its IfSteps and ElseSteps are steps of their own, resolved when they run).
 */
export function controlArguments(step: ControlStep): JsonValue {
  return step.Type === 'Condition' ? { Conditions: step.Arguments.Conditions as unknown as JsonValue } : (step.Arguments as unknown as JsonValue);
}

/** The branch a finished Condition step chose, from its properties; undefined for other steps. */
export function conditionOutcome(step: { readonly Type: string }, properties: Readonly<Record<string, JsonValue>>): boolean | undefined {
  return step.Type === 'Condition' ? properties['Outcome'] === true : undefined;
}
