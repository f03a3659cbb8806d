// `sagesim retry <execution>`: RetryPipelineExecution: the failed execution resumes in place (same
// id and ARN), reusing the steps that succeeded and running the failed and unstarted ones again.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { resolveConfig } from '../../config.js';
import { retryExecution } from '../../engine/retry-execution.js';
import { toRunJson } from '../../engine/run-record-json.js';
import { SagesimError, StoppedError } from '../../errors.js';
import { type StubOptions, type StubSpec, parseStubsFile } from '../../steps/stub-executor.js';
import { type CliIo, EXIT, ExitCode } from '../cli-io.js';
import { createProgressReporter } from '../progress-reporter.js';
import { formatSummary } from '../summary.js';
import type { CommandModule } from './index.js';

interface RetryFlags {
  readonly home?: string;
  readonly config?: string;
  readonly maxParallel?: string;
  readonly cache: boolean;
  readonly stub: string[];
  readonly stubAll?: boolean;
  readonly stubs?: string;
  readonly json?: boolean;
  readonly logs?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export const retryCommand: CommandModule = {
  register(program: Command, io: CliIo): void {
    program
      .command('retry')
      .description('retry a failed or stopped execution in place: succeeded steps are kept, the others run again')
      .argument('<execution>', 'execution id, ARN or a unique prefix of the id (see `sagesim ls`)')
      .option('--max-parallel <n>', 'steps running at once at most (default: number of cores)')
      .option('--no-cache', 'ignore CacheConfig: run every step')
      .option('--stub <step>', 'run this step as a stub (repeatable)', collect, [])
      .option('--stub-all', 'run every job step as a stub')
      .option('--stubs <file>', 'stubs file: {"<Step>": {"properties", "propertyFiles", "outputParameters", "fail"}}')
      .option('--json', 'print the final execution as JSON (DescribePipelineExecution + steps) on stdout')
      .option('--logs', 'print step log lines with the progress')
      .option('--home <dir>', 'sagesim home holding executions (default .sagesim, or SAGESIM_HOME)')
      .option('--config <file>', 'config file (default ./sagesim.config.json)')
      .action(async (reference: string, flags: RetryFlags) => {
        const maxParallel = flags.maxParallel === undefined ? undefined : Number(flags.maxParallel);
        if (maxParallel !== undefined && (!Number.isSafeInteger(maxParallel) || maxParallel < 1)) {
          throw new SagesimError('INVALID_ARGUMENT', `--max-parallel must be a whole number of at least 1, got ${JSON.stringify(flags.maxParallel)}`, {
            source: 'user',
            hint: 'e.g. --max-parallel 1 to run one step at a time; leave it out to use the number of cores',
          });
        }
        const config = resolveConfig(
          {
            cwd: io.cwd,
            ...(flags.home === undefined ? {} : { home: flags.home }),
            ...(flags.config === undefined ? {} : { configFile: flags.config }),
            ...(maxParallel === undefined ? {} : { maxParallel }),
            ...(flags.cache === false ? { cache: false } : {}),
          },
          io.env,
        );
        const progressOut = flags.json ? io.stderr : io.stdout;
        const progress = createProgressReporter({ out: progressOut, showLogs: flags.logs === true });
        const controller = new AbortController();
        const signals = io.signals ?? process;
        const onSigint = (): void => {
          io.stderr.write('\nstopping the execution (running steps are being stopped)...\n');
          controller.abort(new StoppedError('stopped by SIGINT'));
        };
        signals.on('SIGINT', onSigint);
        let record;
        try {
          record = await retryExecution({ reference, config, stubs: await stubOptions(flags, io), reporter: progress, signal: controller.signal });
        } finally {
          signals.off('SIGINT', onSigint);
          progress.close();
        }
        const summary = formatSummary(record, { width: io.stdout.columns });
        if (flags.json) {
          io.stderr.write(summary);
          io.stdout.write(`${JSON.stringify(toRunJson(record), null, 2)}\n`);
        } else {
          io.stdout.write(`\n${summary}`);
        }
        if (record.status !== 'Succeeded') throw new ExitCode(EXIT.failed);
      });
  },
};

async function stubOptions(flags: RetryFlags, io: CliIo): Promise<StubOptions> {
  const steps: Record<string, StubSpec> = {};
  if (flags.stubs !== undefined) {
    const file = path.resolve(io.cwd, flags.stubs);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8'));
    } catch (cause) {
      throw new SagesimError('INVALID_STUBS', `cannot read stubs file ${file}: ${(cause as Error).message}`, { source: 'user', cause });
    }
    Object.assign(steps, parseStubsFile(parsed, file));
  }
  for (const name of flags.stub) steps[name] ??= {};
  return { all: flags.stubAll === true, steps };
}
