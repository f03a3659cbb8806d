// What the validation passes share: the problem list and the flattened view of the steps.
import type { DefinitionProblem, ProblemCode } from '../errors.js';
import type { JsonObject } from './json.js';
import { didYouMean } from './parameters.js';

/**
 * Name comparisons "did you mean" may make in one validation. A hostile definition with thousands
 * of unknown names and thousands of steps would otherwise cost millions of edit distances; past
 * the budget, problems carry their plain hint.
 */
export const SUGGESTION_BUDGET = 200_000;

/**
 * Collects problems; every add carries a stable code, a JSON path and a hint. Warnings are shapes
 * sagesim runs but the cloud would refuse: they never make a definition invalid.
 */
export class Problems {
  readonly list: DefinitionProblem[] = [];
  readonly warnings: DefinitionProblem[] = [];

  add(code: ProblemCode, path: string, message: string, hint?: string, step?: string): void {
    this.list.push({ code, path, message, ...(hint ? { hint } : {}), ...(step ? { step } : {}) });
  }

  warn(code: ProblemCode, path: string, message: string, hint?: string, step?: string): void {
    this.warnings.push({ code, path, message, ...(hint ? { hint } : {}), ...(step ? { step } : {}) });
  }

  get size(): number {
    return this.list.length;
  }

  private comparisonsLeft = SUGGESTION_BUDGET;

  /** The candidate `name` probably meant (didYouMean), while the validation's budget lasts. */
  suggest(name: string, candidates: readonly string[] | ReadonlyMap<string, unknown>): string | undefined {
    const count = Array.isArray(candidates) ? candidates.length : (candidates as ReadonlyMap<string, unknown>).size;
    if (count > this.comparisonsLeft) return undefined;
    this.comparisonsLeft -= count;
    return didYouMean(name, Array.isArray(candidates) ? candidates : [...(candidates as ReadonlyMap<string, unknown>).keys()]);
  }
}

/** A step found anywhere in the definition, nested branches included. */
export interface FlatStep {
  /** undefined when the Name is missing or not a string. */
  readonly name: string | undefined;
  readonly raw: JsonObject;
  /** JSON path of the step object, e.g. `$.Steps[3].Arguments.IfSteps[0]`. */
  readonly path: string;
  /** The Type when it is a string. */
  readonly type: string | undefined;
  readonly branch?: { readonly condition: string; readonly outcome: 'if' | 'else' };
}

/** What expression checks need to know about the whole definition. */
export interface ValidationScope {
  readonly parameters: ReadonlyMap<string, { readonly type: string | undefined }>;
  /** First step of each name (duplicates are reported separately). */
  readonly steps: ReadonlyMap<string, FlatStep>;
  /** Property file name → steps that declare it. */
  readonly propertyFileOwners: ReadonlyMap<string, readonly string[]>;
  readonly problems: Problems;
}
