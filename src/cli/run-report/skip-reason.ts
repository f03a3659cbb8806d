// A short reason for a skipped step, from the definition's structure rather than from the
// engine's sentence: `branch not taken (CheckMseThreshold: True)`.
import type { PipelineStep } from '../../engine/definition-types.js';
import type { StepRecord } from '../../engine/execution-record.js';

export interface BranchOwner {
  /** The Condition step whose IfSteps or ElseSteps hold the step. */
  readonly condition: string;
  readonly branch: 'If' | 'Else';
}

/** Which Condition step each conditional step belongs to, and in which branch. */
export function branchOwners(steps: readonly PipelineStep[], into = new Map<string, BranchOwner>()): Map<string, BranchOwner> {
  for (const step of steps) {
    if (step.Type !== 'Condition') continue;
    const ifSteps = step.Arguments.IfSteps ?? [];
    const elseSteps = step.Arguments.ElseSteps ?? [];
    for (const inner of ifSteps) into.set(inner.Name, { condition: step.Name, branch: 'If' });
    for (const inner of elseSteps) into.set(inner.Name, { condition: step.Name, branch: 'Else' });
    branchOwners(ifSteps, into);
    branchOwners(elseSteps, into);
  }
  return into;
}

/**
 * `branch not taken (<condition>: <outcome>)` when the step sits in the branch its condition did
 * not take; otherwise the engine's own reason (an upstream step that did not run, ...).
 */
export function shortSkipReason(step: Pick<StepRecord, 'stepName' | 'skipReason'>, owners: ReadonlyMap<string, BranchOwner>, outcomeOf: (condition: string) => 'True' | 'False' | undefined): string {
  const owner = owners.get(step.stepName);
  const outcome = owner ? outcomeOf(owner.condition) : undefined;
  if (owner && outcome !== undefined && (outcome === 'True' ? 'If' : 'Else') !== owner.branch) return `branch not taken (${owner.condition}: ${outcome})`;
  return step.skipReason ?? '';
}

/** Multi-line text on one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** `arn:...:pipeline/housing/execution/ru5rg1xy1vf5` -> `ru5rg1xy1vf5`. */
export function executionIdOf(executionArn: string): string {
  return executionArn.split('/').at(-1) ?? executionArn;
}
