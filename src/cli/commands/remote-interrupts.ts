// What Ctrl-C and SIGTERM mean while `run --no-mock` follows an execution that runs elsewhere:
// - on a terminal, the first Ctrl-C asks whether to stop the remote execution: yes stops it and
//   follows it to Stopped; no leaves it running and stops following;
// - without a terminal (CI), Ctrl-C stops the remote execution, so a cancelled job leaves nothing
//   running (and billing) in the account; a second Ctrl-C stops following at once;
// - SIGTERM (`timeout`, a cancelled CI job, `docker stop`) has nobody to ask: it always stops the
//   remote execution, as Ctrl-C does without a terminal;
// - before the execution has started, the stop waits for it to start.
import { StoppedError } from '../../errors.js';
import type { CliIo, StopSignal } from '../cli-io.js';
import { ask } from '../ask.js';

export interface RemoteInterruptsOptions {
  readonly io: CliIo;
  /** Where the execution runs, for the question asked on a terminal. */
  readonly target: string;
  /** The --endpoint-url, named in the hint printed when the execution is left running. */
  readonly endpoint?: string | undefined;
  /** Stops the remote execution; reports its own failures. */
  readonly stopRemote: (executionArn: string) => Promise<void>;
  /** Aborted when following stops (the execution is left running). */
  readonly follow: AbortController;
}

export interface RemoteInterrupts {
  /** Handles one Ctrl-C or SIGTERM. */
  onStop(signal: StopSignal): void;
  /** The execution has started: from now on a stop is for it. */
  started(executionArn: string): void;
  /** The ARN of the started execution, if any. */
  readonly executionArn: string | undefined;
}

export function remoteInterrupts(options: RemoteInterruptsOptions): RemoteInterrupts {
  const { io, stopRemote } = options;
  const interactive = io.stdin !== undefined && io.stdout.isTTY === true && (io.stdin as { isTTY?: boolean }).isTTY === true;
  let executionArn: string | undefined;
  let interrupts = 0;
  let interruptedBeforeStart = false;
  let prompting = false;

  const detach = (arn: string): void => {
    io.stderr.write(`left ${arn} running; follow it with: aws sagemaker describe-pipeline-execution --pipeline-execution-arn ${arn}${options.endpoint ? ` --endpoint-url ${options.endpoint}` : ''}\n`);
    options.follow.abort(new StoppedError('stopped following'));
  };
  const askThenStop = (arn: string): void => {
    prompting = true;
    void ask(io, `\nStop the execution ${arn} in ${options.target}? [y/N] `).then(async (answer) => {
      prompting = false;
      if (/^y(es)?$/i.test(answer.trim())) await stopRemote(arn);
      else detach(arn);
    });
  };
  return {
    get executionArn() {
      return executionArn;
    },
    started(arn) {
      executionArn = arn;
      if (interruptedBeforeStart) void stopRemote(arn);
    },
    onStop(signal) {
      interrupts++;
      if (executionArn === undefined) {
        interruptedBeforeStart = true;
        io.stderr.write('\ninterrupted: the execution is stopped as soon as it has started\n');
      } else if (interrupts > 1 || prompting) detach(executionArn);
      else if (!interactive || signal === 'SIGTERM') void stopRemote(executionArn);
      else askThenStop(executionArn);
    },
  };
}
