// How a user's reference to an execution (id, ARN, or a unique prefix of either) is resolved, and
// the order listings use: shared by the file and memory stores so that they answer alike.
import { SagesimError } from '../errors.js';
import type { ExecutionRecord } from '../engine/execution-record.js';

/** Resolves a reference against a list. Throws `EXECUTION_NOT_FOUND` or `EXECUTION_AMBIGUOUS`. */
export function findExecution(records: readonly ExecutionRecord[], reference: string): ExecutionRecord {
  const ref = reference.trim();
  const exact = records.find((record) => record.executionId === ref || record.executionArn === ref);
  if (exact) return exact;
  const matches = ref ? records.filter((record) => record.executionId.startsWith(ref) || record.executionArn.startsWith(ref)) : [];
  const [only] = matches;
  if (matches.length === 1 && only) return only;
  if (matches.length > 1) {
    throw new SagesimError('EXECUTION_AMBIGUOUS', `"${ref}" matches ${matches.length} executions: ${matches.slice(0, 5).map((m) => m.executionId).join(', ')}${matches.length > 5 ? ', ...' : ''}`, {
      source: 'user',
      hint: 'give more characters of the execution id, or the full ARN',
    });
  }
  throw new SagesimError('EXECUTION_NOT_FOUND', `no execution "${ref}" in ${records.length === 0 ? 'an empty store' : `the ${records.length} stored execution(s)`}`, {
    source: 'user',
    hint: 'list executions with `sagesim ls`, or point --home / SAGESIM_HOME at the store that holds it',
    harnessHint: '`env.executions()` lists the executions of this environment; one of another home is found by an environment created with that `home`',
  });
}

/** Newest first by start time; ties broken by id so that listings are stable. */
export function byNewest(a: ExecutionRecord, b: ExecutionRecord): number {
  return Date.parse(b.startTime) - Date.parse(a.startTime) || b.executionId.localeCompare(a.executionId);
}
