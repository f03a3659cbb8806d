// `sagesim logs <execution> <step> [--follow]`: prints a step's container log; --follow keeps
// printing what the step writes until it ends.
import type { Command } from 'commander';
import { SagesimError } from '../../errors.js';
import { FileExecutionStore } from '../../store/file-execution-store.js';
import { findStep } from '../../history/find-step.js';
import { cacheSourceLog, followStepLog, readLogFrom, stepLogPath } from '../../history/step-log.js';
import type { CliIo } from '../cli-io.js';
import { configFromFlags } from '../store-flags.js';
import { onStopSignal } from '../stop-signals.js';
import type { CommandModule } from './index.js';

interface LogsFlags {
  readonly home?: string;
  readonly config?: string;
  readonly follow?: boolean;
  readonly json?: boolean;
}

export const logsCommand: CommandModule = {
  register(program: Command, io: CliIo): void {
    program
      .command('logs')
      .description("print a step's container log")
      .argument('<execution>', 'execution id, ARN or a unique prefix of the id (see `sagesim ls`)')
      .argument('<step>', 'step name (any case, or a unique prefix)')
      .option('-f, --follow', 'keep printing new lines until the step ends')
      .option('--json', 'print { ExecutionId, StepName, StepStatus, LogFile, Log } as JSON (not with --follow)')
      .option('--home <dir>', 'sagesim home holding executions (default .sagesim, or SAGESIM_HOME)')
      .option('--config <file>', 'config file (default ./sagesim.config.json)')
      .action(async (reference: string, stepReference: string, flags: LogsFlags) => {
        const config = configFromFlags(flags, io);
        const store = new FileExecutionStore({ home: config.home });
        const execution = await store.find(reference);
        const step = findStep(execution, stepReference);
        if (flags.json && flags.follow) {
          throw new SagesimError('INVALID_ARGUMENT', '--json and --follow do not go together', { source: 'user', hint: '--json prints the log so far as one JSON object; --follow streams lines' });
        }
        // A cache hit is final and ran nothing here: --follow has only the source run's log to show.
        if (flags.follow && !step.record?.cacheHit) {
          const controller = new AbortController();
          const unsubscribe = onStopSignal(io, () => controller.abort());
          try {
            const last = await followStepLog({ store, executionId: execution.executionId, stepName: step.name, write: (text) => io.stdout.write(text), signal: controller.signal });
            if (last) io.stderr.write(`-- ${step.name} ${last.status}${last.failureReason ? `: ${last.failureReason.split('\n')[0] ?? ''}` : ''}\n`);
          } finally {
            unsubscribe();
          }
          return;
        }
        const file = stepLogPath(store, execution, step);
        const { text } = await readLogFrom(file);
        if (flags.json) {
          const record = step.record;
          io.stdout.write(`${JSON.stringify({ ExecutionId: execution.executionId, StepName: step.name, ...(record ? { StepStatus: record.status } : {}), LogFile: file, Log: text }, null, 2)}\n`);
          return;
        }
        if (text) {
          io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
          return;
        }
        // A cache hit ran nothing here: its log is that of the run it came from, said as such.
        const source = cacheSourceLog(store, step.record);
        if (source) {
          const cached = await readLogFrom(source.file);
          if (cached.text) {
            io.stdout.write(`-- ${step.name} was a cache hit: log of step ${source.stepName} in execution ${source.executionId} (${source.executionArn})\n`);
            io.stdout.write(cached.text.endsWith('\n') ? cached.text : `${cached.text}\n`);
            return;
          }
        }
        const status = step.record?.status;
        const why =
          status === undefined
            ? 'it has not started'
            : status === 'Skipped'
              ? `it did not run (${step.record?.skipReason ?? 'skipped'})`
              : step.record?.cacheHit
                ? `its result came from the cache (execution ${step.record.cacheHit.sourcePipelineExecutionArn}), whose log is gone`
                : step.record?.reusedFrom
                  ? `its result was reused from ${step.record.reusedFrom}`
                  : 'it wrote no output';
        io.stderr.write(`step ${step.name} has no log: ${why}\n`);
      });
  },
};
