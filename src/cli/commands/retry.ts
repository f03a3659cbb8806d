// `sagesim retry <execution>`: RetryPipelineExecution: the failed execution resumes in place (same
// id and ARN), reusing the steps that succeeded and running the failed and unstarted ones again.
import type { Command } from 'commander';
import { retryExecution } from '../../engine/retry-execution.js';
import type { CliIo } from '../cli-io.js';
import { collect, executeWithProgress, parseMaxParallel, stubOptionsFromFlags } from '../run-session.js';
import { configFromFlags } from '../store-flags.js';
import type { CommandModule } from './index.js';

interface RetryFlags {
  readonly home?: string;
  readonly config?: string;
  readonly maxParallel?: string;
  readonly cache: boolean;
  readonly instanceMemory: boolean;
  readonly stub: string[];
  readonly stubAll?: boolean;
  readonly stubs?: string;
  readonly json?: boolean;
  readonly logs?: boolean;
}

export const retryCommand: CommandModule = {
  register(program: Command, io: CliIo): void {
    program
      .command('retry')
      .description('retry a failed or stopped execution in place: succeeded steps are kept, the others run again')
      .argument('<execution>', 'execution id, ARN or a unique prefix of the id (see `sagesim ls`)')
      .option('--max-parallel <n>', 'steps running at once at most (default: number of cores)')
      .option('--no-cache', 'ignore CacheConfig: run every step')
      .option('--no-instance-memory', "do not limit containers to their instance type's memory")
      .option('--stub <step>', 'run this step as a stub (repeatable)', collect, [])
      .option('--stub-all', 'run every job step as a stub')
      .option('--stubs <file>', 'stubs file: {"<Step>": {"properties", "propertyFiles", "outputParameters", "fail"}}')
      .option('--json', 'print the final execution as JSON (DescribePipelineExecution + steps) on stdout')
      .option('--logs', 'print step log lines with the progress')
      .option('--home <dir>', 'sagesim home holding executions (default .sagesim, or SAGESIM_HOME)')
      .option('--config <file>', 'config file (default ./sagesim.config.json)')
      .action(async (reference: string, flags: RetryFlags) => {
        const maxParallel = flags.maxParallel === undefined ? undefined : parseMaxParallel(flags.maxParallel);
        const config = configFromFlags(flags, io, {
          ...(maxParallel === undefined ? {} : { maxParallel }),
          ...(flags.cache === false ? { cache: false } : {}),
          ...(flags.instanceMemory === false ? { instanceMemory: false } : {}),
        });
        const stubs = await stubOptionsFromFlags(flags, io);
        await executeWithProgress(io, flags, config, (reporter, signal) => retryExecution({ reference, config, stubs, reporter, signal }));
      });
  },
};
