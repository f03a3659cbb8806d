// The error of a run refused by its preflight: its own light module, so the CLI's error
// presentation can tell it apart without loading what the preflight itself needs.
import { DefinitionError, type DefinitionProblem } from '../errors.js';

/** Thrown by a run whose preflight found problems: nothing was started. */
export class PreflightError extends DefinitionError {
  constructor(problems: readonly DefinitionProblem[]) {
    super(problems, 'preflight');
    this.name = 'PreflightError';
  }
}
