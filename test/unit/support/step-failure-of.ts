// The StepFailure a synchronous planner throws, for assertions on its code and message.
import { StepFailure } from '../../../src/errors.js';

export function stepFailureOf(run: () => unknown): StepFailure {
  try {
    run();
  } catch (error) {
    if (error instanceof StepFailure) return error;
    throw error;
  }
  throw new Error('expected a StepFailure');
}
