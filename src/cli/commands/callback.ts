// `sagesim callback succeed|fail <token>` answers a Callback step waiting in a local execution
// (as SendPipelineExecutionStepSuccess/Failure would); `sagesim callback ls` lists waiting steps.
import type { Command } from 'commander';
import { SagesimError } from '../../errors.js';
import { deliverCallback, pendingCallbacks } from '../../mock-aws/callback-mailbox.js';
import { formatTimestamp } from '../../history/format-time.js';
import type { CliIo } from '../cli-io.js';
import { collect } from '../run-session.js';
import { type StoreFlags, configFromFlags } from '../store-flags.js';
import type { CommandModule } from './index.js';

interface SucceedFlags extends StoreFlags {
  readonly output: string[];
}

interface FailFlags extends StoreFlags {
  readonly reason?: string;
}

export const callbackCommand: CommandModule = {
  register(program: Command, io: CliIo): void {
    const callback = program.command('callback').description('answer Callback steps that wait in local executions');
    withStore(
      callback
        .command('succeed')
        .description('let the step waiting for <token> succeed, with its output parameters')
        .argument('<token>', 'the callback token the step printed')
        .option('--output <Name=Value>', 'an output parameter (repeatable)', collect, []),
    ).action(async (token: string, flags: SucceedFlags) => {
      await deliverCallback(homeOf(flags, io), token, { status: 'Success', outputParameters: parseOutputs(flags.output) });
      io.stdout.write(`callback ${token}: success delivered\n`);
    });
    withStore(
      callback
        .command('fail')
        .description('let the step waiting for <token> fail')
        .argument('<token>', 'the callback token the step printed')
        .option('--reason <text>', 'the FailureReason the step reports'),
    ).action(async (token: string, flags: FailFlags) => {
      await deliverCallback(homeOf(flags, io), token, { status: 'Failure', failureReason: flags.reason ?? 'failed by `sagesim callback fail`' });
      io.stdout.write(`callback ${token}: failure delivered\n`);
    });
    withStore(callback.command('ls').description('list the tokens steps are waiting for').option('--json', 'print as JSON')).action(
      async (flags: StoreFlags & { json?: boolean }) => {
        // Newest first, as every listing.
        const pending = (await pendingCallbacks(homeOf(flags, io))).sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
        if (flags.json) io.stdout.write(`${JSON.stringify(pending, null, 2)}\n`);
        else if (pending.length === 0) io.stdout.write('no step is waiting for a callback\n');
        else for (const p of pending) io.stdout.write(`${p.token}  ${p.pipelineName}  ${p.stepName}  since ${formatTimestamp(p.createdAt)}  ${JSON.stringify(p.arguments)}\n`);
      },
    );
  },
};

function withStore(command: Command): Command {
  return command
    .option('--home <dir>', 'sagesim home of the waiting execution (default .sagesim, or SAGESIM_HOME)')
    .option('--config <file>', 'config file (default ./sagesim.config.json)');
}

function homeOf(flags: StoreFlags, io: CliIo): string {
  return configFromFlags(flags, io).home;
}

/** `name=value` pairs; the value may itself contain `=`. */
export function parseOutputs(assignments: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const assignment of assignments) {
    const at = assignment.indexOf('=');
    if (at <= 0) {
      throw new SagesimError('INVALID_ARGUMENT', `--output must look like Name=Value, got ${JSON.stringify(assignment)}`, {
        source: 'user',
        hint: 'e.g. --output ModelApproved=true (repeat --output for each of the step\'s OutputParameters)',
      });
    }
    out[assignment.slice(0, at)] = assignment.slice(at + 1);
  }
  return out;
}
