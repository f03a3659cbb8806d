// Who runs a local execution, and whether that process is still there. A run killed with SIGKILL
// (or ended by a reboot) cannot record its end; the next process that reads the store does it for
// it, so that the execution does not stay Executing forever. Processes are seen through the
// ProcessProbe port.
import type { ProcessProbe } from '../ports/process-probe.js';
import type { ExecutionOwner, ExecutionRecord, StepStatus } from './execution-record.js';

/** The owner to record for an execution run by the process `probe` describes (its own). */
export function currentOwner(probe: ProcessProbe): ExecutionOwner {
  const processStart = probe.startOf(probe.pid);
  return {
    pid: probe.pid,
    hostname: probe.hostname,
    ...(processStart === undefined ? {} : { processStart }),
    ...(probe.pidNamespace === undefined ? {} : { pidNamespace: probe.pidNamespace }),
  };
}

/**
 * Why an unfinished execution can no longer finish, or undefined when it is finished, not local,
 * owned by another host (whose processes this one cannot see) or by a process that is still there.
 */
export function abandonment(record: Readonly<ExecutionRecord>, probe: ProcessProbe): string | undefined {
  if (record.mode !== 'local' || (record.status !== 'Executing' && record.status !== 'Stopping')) return undefined;
  const owner = record.owner;
  if (owner === undefined || owner.hostname !== probe.hostname) return undefined;
  // Recorded in a PID namespace: judged only from the same one (its pids are not ours to probe).
  if (owner.pidNamespace !== undefined && owner.pidNamespace !== probe.pidNamespace) return undefined;
  if (probe.alive(owner.pid)) {
    const start = owner.processStart === undefined ? undefined : probe.startOf(owner.pid);
    // Alive with the same start (or no way to tell): it is the owner, still at work.
    if (start === undefined || start === owner.processStart) return undefined;
  }
  return `sagesim process ${owner.pid} ended before the execution finished (killed?)`;
}

const UNFINISHED_STEP: ReadonlySet<StepStatus> = new Set(['Starting', 'Executing', 'Stopping']);

/**
 * The record as Failed with `reason`, and its unfinished steps Failed likewise. The end is the
 * last time the owner wrote the record: the last moment it is known to have been at work.
 */
export function failAbandoned(record: Readonly<ExecutionRecord>, reason: string, now: Date): ExecutionRecord {
  const endTime = record.lastModifiedTime;
  const stepReason = reason.replace('before the execution finished', 'before the step finished');
  return {
    ...record,
    status: 'Failed',
    failureReason: reason,
    endTime,
    lastModifiedTime: now.toISOString(),
    steps: record.steps.map((step) => (UNFINISHED_STEP.has(step.status) ? { ...step, status: 'Failed', failureReason: stepReason, endTime } : step)),
  };
}
