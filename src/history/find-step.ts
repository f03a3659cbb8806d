// Names a step of a stored execution the way users type it: exactly, in any case, or by a unique
// prefix. Steps that have not started yet are found through the execution's definition.
import type { ExecutionRecord, StepRecord } from '../engine/execution-record.js';
import { buildGraph } from '../engine/graph.js';
import { SagesimError } from '../errors.js';

export interface FoundStep {
  readonly name: string;
  /** Undefined while the step has not started. */
  readonly record: StepRecord | undefined;
}

/** Throws SagesimError `STEP_NOT_FOUND` or `STEP_AMBIGUOUS` (source user) listing the steps. */
export function findStep(execution: Readonly<ExecutionRecord>, reference: string): FoundStep {
  const names = stepNames(execution);
  const ref = reference.trim();
  const lower = ref.toLowerCase();
  const match =
    names.find((name) => name === ref) ??
    only(names.filter((name) => name.toLowerCase() === lower)) ??
    only(names.filter((name) => name.toLowerCase().startsWith(lower)), ref, names);
  if (match === undefined) {
    throw new SagesimError('STEP_NOT_FOUND', `execution ${execution.executionId} has no step "${ref}"`, {
      source: 'user',
      hint: `steps are: ${names.join(', ')}`,
    });
  }
  return { name: match, record: execution.steps.find((step) => step.stepName === match) };
}

/** Recorded steps first (in the order they ran), then those of the definition not recorded yet. */
export function stepNames(execution: Readonly<ExecutionRecord>): string[] {
  const names = execution.steps.map((step) => step.stepName);
  try {
    for (const name of buildGraph(execution.definition).order) if (!names.includes(name)) names.push(name);
  } catch {
    // A definition the graph cannot be built from still has its recorded steps.
  }
  return names;
}

function only(matches: readonly string[], ref?: string, names?: readonly string[]): string | undefined {
  if (matches.length <= 1) return matches[0];
  if (ref === undefined) return undefined;
  throw new SagesimError('STEP_AMBIGUOUS', `"${ref}" matches ${matches.length} steps: ${matches.join(', ')}`, {
    source: 'user',
    hint: `give more of the name; steps are: ${(names ?? matches).join(', ')}`,
  });
}
