// Decides whether a step whose upstream steps are all done may run: every upstream step must have
// succeeded, and a step inside a Condition's IfSteps/ElseSteps runs only on that outcome.
import { assertNever } from '../errors.js';
import type { StepStatus } from './execution-record.js';

/** An incoming edge as the decision needs it (graph edges carry more). */
export interface IncomingEdge {
  readonly from: string;
  readonly kind: 'depends-on' | 'data' | 'if' | 'else';
}

export interface UpstreamState {
  readonly status: StepStatus;
  /** Set for Condition steps that succeeded. */
  readonly outcome?: boolean;
}

/** Undefined when the step may run, else why it does not (becomes StepRecord.skipReason). */
export function skipReasonFor(incoming: readonly IncomingEdge[], upstream: (name: string) => UpstreamState | undefined): string | undefined {
  // Report a branch not taken before "upstream skipped": it is the root cause the user looks for.
  for (const edge of incoming) {
    if (edge.kind !== 'if' && edge.kind !== 'else') continue;
    const state = upstream(edge.from);
    if (state?.status === 'Succeeded' && state.outcome !== undefined && state.outcome !== (edge.kind === 'if')) {
      const list = edge.kind === 'if' ? 'IfSteps' : 'ElseSteps';
      return `branch not taken: condition ${edge.from} evaluated to ${state.outcome ? 'True' : 'False'} and this step is in its ${list}`;
    }
  }
  for (const edge of incoming) {
    const state = upstream(edge.from);
    if (!state) return `upstream step ${edge.from} did not run`;
    if (state.status === 'Succeeded') continue;
    switch (state.status) {
      case 'Skipped':
        return `upstream step ${edge.from} was skipped`;
      case 'Failed':
        return `upstream step ${edge.from} failed`;
      case 'Stopped':
      case 'Stopping':
        return `upstream step ${edge.from} was stopped`;
      case 'Starting':
      case 'Executing':
        return `upstream step ${edge.from} has not finished`;
      default:
        return assertNever(state.status, 'step status');
    }
  }
  return undefined;
}
