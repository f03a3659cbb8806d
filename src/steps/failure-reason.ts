// FailureReason text for a job whose container failed: names the step and image, the exit code and
// what it means, the failure file's text, the last lines of the log, and how to see the whole log.
// Compare "Process exited with code: 1", all SageMaker local mode says.
import type { ContainerExit } from '../ports/container-engine.js';

/** How many trailing log lines a FailureReason quotes. */
export const FAILURE_LOG_LINES = 20;

export interface ContainerFailure {
  readonly stepName: string;
  readonly executionId: string;
  /** The image URI as the definition names it. */
  readonly imageUri: string;
  /** The local tag it ran as, when different. */
  readonly localImage: string;
  readonly exit: ContainerExit;
  /** Text of /opt/ml/output/failure (or the processing message file), when the container wrote one. */
  readonly failureText?: string;
  /** The path in the container `failureText` was read from. @default '/opt/ml/output/failure' */
  readonly failureFile?: string;
  /** StoppingCondition.MaxRuntimeInSeconds, to explain a timeout. */
  readonly maxRuntimeSeconds?: number;
  /** Memory limit given to the container, to explain an OOM kill. */
  readonly memoryBytes?: number;
}

/** What an exit code means, in words a user can act on. */
export function exitCodeMeaning(exit: Pick<ContainerExit, 'exitCode' | 'oomKilled' | 'timedOut'>, maxRuntimeSeconds?: number): string {
  if (exit.timedOut) {
    return `stopped because it ran longer than StoppingCondition.MaxRuntimeInSeconds${maxRuntimeSeconds === undefined ? '' : ` (${maxRuntimeSeconds} s)`}`;
  }
  if (exit.oomKilled) return 'killed: out of memory (the container exceeded its memory limit and the kernel killed it)';
  switch (exit.exitCode) {
    case 1:
      return 'error: the program in the container failed (an uncaught exception or sys.exit(1))';
    case 2:
      return 'error: wrong usage, often bad command-line arguments (ContainerArguments or hyperparameters)';
    case 126:
      return 'the command could not be executed (not executable, or permission denied)';
    case 127:
      return 'command not found: check ContainerEntrypoint and the image\'s entrypoint';
    case 137:
      return 'killed (SIGKILL), often out of memory';
    case 139:
      return 'segmentation fault (SIGSEGV) in native code';
    case 143:
      return 'terminated (SIGTERM)';
    default:
      if (exit.exitCode > 128 && exit.exitCode < 160) return `killed by signal ${exit.exitCode - 128}`;
      return 'error: the program in the container failed';
  }
}

/** The command that prints a step's full container log. */
export function logsCommand(executionId: string, stepName: string): string {
  return `sagesim logs ${executionId} ${quoteArg(stepName)}`;
}

export function containerFailureReason(failure: ContainerFailure): string {
  const { exit } = failure;
  const image = failure.localImage === failure.imageUri ? failure.imageUri : `${failure.localImage} (for ${failure.imageUri})`;
  const lines: string[] = [];
  const what = exit.timedOut ? 'was stopped' : `exited with code ${exit.exitCode}`;
  lines.push(`AlgorithmError: step "${failure.stepName}" failed: its container (image ${image}) ${what}: ${exitCodeMeaning(exit, failure.maxRuntimeSeconds)}.`);
  if (exit.oomKilled || (exit.exitCode === 137 && !exit.timedOut)) {
    const limit = failure.memoryBytes === undefined ? '' : ` (limit ${formatBytes(failure.memoryBytes)})`;
    lines.push(`Memory: the container may need more memory than it was given${limit}; use a larger instance type or process the data in smaller pieces.`);
  }
  const failureText = failure.failureText?.trim();
  if (failureText) {
    lines.push(`${failureFileLabel(failure.failureFile ?? FAILURE_FILE)}:`);
    lines.push(...indent(failureText.split(/\r?\n/)));
  }
  const tail = exit.logTail.slice(-FAILURE_LOG_LINES);
  if (tail.length > 0) {
    lines.push(`Last ${tail.length} lines of the log:`);
    lines.push(...indent(tail));
  } else {
    lines.push('The container printed nothing.');
  }
  lines.push(`Full log: ${logsCommand(failure.executionId, failure.stepName)}`);
  return lines.join('\n');
}

/** Where SageMaker's containers write why they failed. */
export const FAILURE_FILE = '/opt/ml/output/failure';
/** Where processing containers may write their exit message (ProcessingJob ExitMessage). */
export const MESSAGE_FILE = '/opt/ml/output/message';

/** Names the file by what it is: the message file is not the failure file. */
function failureFileLabel(file: string): string {
  return file === MESSAGE_FILE ? `Exit message (${file})` : `Failure file (${file})`;
}

/** A job input that is not in S3: names the step, the input and the URI. */
export function missingInputReason(stepName: string, inputName: string, uri: string, objectStore: string): string {
  return (
    `ClientError: step "${stepName}": input "${inputName}" has no objects at ${uri} (in ${objectStore}). ` +
    `Upload the data first (e.g. \`sagesim s3 cp <file> ${uri.endsWith('/') ? uri : `${uri}/`}\`, or an entry in a manifest.json beside the definition, which \`sagesim run\` places before the run) or fix the S3Uri.`
  );
}

function indent(lines: readonly string[]): string[] {
  return lines.map((line) => `  | ${line}`);
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  return `${Math.round(bytes / 1024 ** 2)} MiB`;
}

function quoteArg(value: string): string {
  return /^[A-Za-z0-9._-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}
