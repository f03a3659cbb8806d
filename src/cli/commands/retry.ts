// `sagesim retry <execution>`: RetryPipelineExecution: the failed execution resumes in place (same
// id and ARN), reusing the steps that succeeded and running the failed and unstarted ones again.
import type { Command } from 'commander';
import { retryExecution } from '../../app/retry-execution.js';
import type { CliIo } from '../cli-io.js';
import { type LocalRunFlags, addLocalRunOptions, executeWithProgress, localRunOverrides, stubOptionsFromFlags } from '../run-session.js';
import { configFromFlags } from '../store-flags.js';
import type { CommandModule } from './index.js';

interface RetryFlags extends LocalRunFlags {
  readonly home?: string;
  readonly config?: string;
  readonly json?: boolean;
  readonly logs?: boolean;
}

export const retryCommand: CommandModule = {
  register(program: Command, io: CliIo): void {
    addLocalRunOptions(
      program
        .command('retry')
        .description('retry a failed or stopped execution in place: succeeded steps are kept, the others run again')
        .argument('<execution>', 'execution id, ARN or a unique prefix of the id (see `sagesim ls`)'),
    )
      .option('--json', 'print the final execution as JSON (DescribePipelineExecution + steps) on stdout')
      .option('--logs', 'print step log lines with the progress')
      .option('--home <dir>', 'sagesim home holding executions (default .sagesim, or SAGESIM_HOME)')
      .option('--config <file>', 'config file (default ./sagesim.config.json)')
      .action(async (reference: string, flags: RetryFlags) => {
        const config = configFromFlags(flags, io, localRunOverrides(flags));
        const stubs = await stubOptionsFromFlags(flags, io);
        await executeWithProgress(io, flags, config, (reporter, signal) => retryExecution({ reference, config, stubs, reporter, signal }));
      });
  },
};
