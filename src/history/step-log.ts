// A step's container log, as the execution store keeps it (`<execution>/logs/<step>.log`): read
// whole, or followed until the step ends (`sagesim logs --follow`).
import { open } from 'node:fs/promises';
import path from 'node:path';
import { type Clock, systemClock } from '../engine/clock.js';
import type { ExecutionRecord, StepRecord, StepStatus } from '../engine/execution-record.js';
import type { ExecutionStore } from '../engine/execution-store.js';
import { stepLogRelativePath } from '../store/store-layout.js';
import { StoppedError, assertNever } from '../errors.js';

/** Where a step's log is (or will be) written. */
export function stepLogPath(store: Pick<ExecutionStore, 'executionDir'>, execution: Pick<ExecutionRecord, 'executionId'>, step: { readonly name: string; readonly record?: StepRecord | undefined }): string {
  const relative = step.record?.logFile ?? stepLogRelativePath(step.name);
  // A step reused by a selective execution ran, and logged, in its source execution.
  const reusedFrom = step.record?.reusedFrom;
  const owner = reusedFrom === undefined ? execution.executionId : reusedFrom.slice(reusedFrom.lastIndexOf('/') + 1);
  return path.join(store.executionDir(owner), relative);
}

/** The log's text from byte `offset` on; empty when there is no log (yet). */
export async function readLogFrom(file: string, offset = 0, wholeLinesOnly = false): Promise<{ readonly text: string; readonly end: number }> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { text: '', end: offset };
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size <= offset) return { text: '', end: size < offset ? size : offset };
    const buffer = Buffer.alloc(size - offset);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    // While following, never split a line (or a UTF-8 character): stop at the last newline.
    const chunk = buffer.subarray(0, bytesRead);
    const lastNewline = chunk.lastIndexOf(0x0a);
    const complete = !wholeLinesOnly ? chunk : lastNewline === -1 ? chunk.subarray(0, 0) : chunk.subarray(0, lastNewline + 1);
    return { text: complete.toString('utf8'), end: offset + complete.length };
  } finally {
    await handle.close();
  }
}

export interface FollowStepLogOptions {
  readonly store: Pick<ExecutionStore, 'get' | 'executionDir'>;
  readonly executionId: string;
  readonly stepName: string;
  /** Receives the log's text as it grows, in order. */
  readonly write: (text: string) => void;
  /** Stops following (resolves with the step as last seen). */
  readonly signal?: AbortSignal;
  /** Between looks at the file and the record. @default 500 */
  readonly pollMs?: number;
  /** @default systemClock */
  readonly clock?: Clock;
}

/**
 * Writes the step's log so far, then what is appended, until the step (or its execution) ends.
 * Resolves with the step's last known record (undefined if it never started).
 */
export async function followStepLog(options: FollowStepLogOptions): Promise<StepRecord | undefined> {
  const clock = options.clock ?? systemClock;
  let offset = 0;
  let step: StepRecord | undefined;
  for (;;) {
    const execution = await options.store.get(options.executionId);
    step = execution?.steps.find((s) => s.stepName === options.stepName);
    const done = execution === undefined || !isRunning(execution.status) || (step !== undefined && isFinal(step.status));
    const file = stepLogPath(options.store, { executionId: options.executionId }, { name: options.stepName, record: step });
    const read = await readLogFrom(file, offset, true);
    if (read.text) options.write(read.text);
    offset = read.end;
    if (done || options.signal?.aborted) {
      // The last lines of a step land just before its final status: read once more.
      const rest = await readLogFrom(file, offset);
      if (rest.text) options.write(rest.text);
      return step;
    }
    try {
      await clock.sleep(options.pollMs ?? 500, options.signal);
    } catch (error) {
      if (error instanceof StoppedError) return step;
      throw error;
    }
  }
}

function isRunning(status: ExecutionRecord['status']): boolean {
  return status === 'Executing' || status === 'Stopping';
}

function isFinal(status: StepStatus): boolean {
  switch (status) {
    case 'Starting':
    case 'Executing':
    case 'Stopping':
      return false;
    case 'Stopped':
    case 'Failed':
    case 'Succeeded':
    case 'Skipped':
      return true;
    default:
      return assertNever(status, 'step status');
  }
}

/**
 * Where the log of a step answered from the cache is: the step that really ran, in the execution
 * the cache entry came from. Undefined for steps that were not cache hits.
 */
export function cacheSourceLog(
  store: Pick<ExecutionStore, 'executionDir'>,
  step: StepRecord | undefined,
): { readonly file: string; readonly executionId: string; readonly executionArn: string; readonly stepName: string } | undefined {
  const hit = step?.cacheHit;
  if (hit === undefined) return undefined;
  const arn = hit.sourcePipelineExecutionArn;
  const executionId = arn.slice(arn.lastIndexOf('/') + 1);
  return { file: path.join(store.executionDir(executionId), stepLogRelativePath(hit.sourceStepName)), executionId, executionArn: arn, stepName: hit.sourceStepName };
}
