// `sagesim show <execution>`: one execution with its steps, timings, attempts, cache hits,
// resolved arguments, properties and failure reasons.
import type { Command } from 'commander';
import { FileExecutionStore } from '../../store/file-execution-store.js';
import { findStep } from '../../history/find-step.js';
import { formatExecutionDetails } from '../../history/format-execution-details.js';
import { stepLogPath } from '../../history/step-log.js';
import type { CliIo } from '../cli-io.js';
import { configFromFlags } from '../store-flags.js';
import type { CommandModule } from './index.js';

interface ShowFlags {
  readonly home?: string;
  readonly config?: string;
  readonly json?: boolean;
  readonly step?: string;
  readonly brief?: boolean;
  readonly full?: boolean;
}

export const showCommand: CommandModule = {
  register(program: Command, io: CliIo): void {
    program
      .command('show')
      .description('show an execution: steps, timings, attempts, cache hits, resolved arguments, properties, failures')
      .argument('<execution>', 'execution id, ARN or a unique prefix of the id (see `sagesim ls`)')
      .option('--step <name>', "only this step's details")
      .option('--full', 'also print each step\'s resolved arguments and properties')
      .option('--brief', 'the default: resolved arguments and properties left out (kept for older scripts)')
      .option('--json', 'print the execution record as stored, as JSON')
      .option('--home <dir>', 'sagesim home holding executions (default .sagesim, or SAGESIM_HOME)')
      .option('--config <file>', 'config file (default ./sagesim.config.json)')
      .action(async (reference: string, flags: ShowFlags) => {
        const config = configFromFlags(flags, io);
        const store = new FileExecutionStore({ home: config.home });
        const record = await store.find(reference);
        const step = flags.step === undefined ? undefined : findStep(record, flags.step);
        if (flags.json) {
          const output = step === undefined ? record : (step.record ?? { stepName: step.name, status: 'NotStarted' });
          io.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
          return;
        }
        io.stdout.write(
          formatExecutionDetails(record, {
            executionDir: store.executionDir(record.executionId),
            logPath: (s) => stepLogPath(store, record, { name: s.stepName, record: s }),
            ...(step === undefined ? {} : { step: step.name }),
            ...(flags.full && !flags.brief ? { full: true } : {}),
            ...(io.env['TZ'] ? { timeZone: io.env['TZ'] } : {}),
          }),
        );
      });
  },
};
