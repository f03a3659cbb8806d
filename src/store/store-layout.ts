// Where a sagesim home keeps its executions: the one place that knows the on-disk layout, so that
// homes written by earlier versions keep working.
//   <home>/executions/<id>/execution.json             the record (written atomically)
//   <home>/executions/<id>/.execution.json.reserve    room kept for the record while it runs
//   <home>/executions/<id>/logs/<step>.log            a step's output
//   <home>/executions/<id>/steps/<step>/attempt-<n>   a step attempt's scratch folder
//   <home>/cache/<pipeline>/<key>.json                the step cache's entries for one key
import path from 'node:path';

/** Step names may hold characters a file system dislikes; keep names readable but safe. */
export function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

export const RECORD_FILE = 'execution.json';
export const RESERVE_FILE = '.execution.json.reserve';

export function executionsRoot(home: string): string {
  return path.join(home, 'executions');
}

export function executionDirIn(home: string, executionId: string): string {
  return path.join(home, 'executions', executionId);
}

/** A step's log, relative to its execution's folder (as StepRecord.logFile stores it). */
export function stepLogRelativePath(stepName: string): string {
  return path.join('logs', `${safeFileName(stepName)}.log`);
}

/** The folder holding the attempt folders of one step. */
export function stepAttemptsDir(executionDir: string, stepName: string): string {
  return path.join(executionDir, 'steps', safeFileName(stepName));
}

export function cacheRoot(home: string): string {
  return path.join(home, 'cache');
}

export function cacheFileIn(home: string, pipelineName: string, key: string): string {
  return path.join(home, 'cache', safeFileName(pipelineName), `${key}.json`);
}
