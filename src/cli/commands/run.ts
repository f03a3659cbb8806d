// `sagesim run <file>`: runs a pipeline definition locally and prints its progress, a summary,
// and with --json the record shaped like DescribePipelineExecution + ListPipelineExecutionSteps.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { resolveConfig } from '../../config.js';
import type { ParameterValue } from '../../engine/definition-types.js';
import { notJsonDetail } from '../../engine/json-error-position.js';
import { parseParamAssignments, readParamsFile } from '../../engine/parameters.js';
import { type SelectiveRunOptions, runDefinitionFile } from '../../engine/run-definition.js';
import { toRunJson } from '../../engine/run-record-json.js';
import { SagesimError, StoppedError } from '../../errors.js';
import { type StubOptions, type StubSpec, parseStubsFile } from '../../steps/stub-executor.js';
import { type CliIo, EXIT, ExitCode } from '../cli-io.js';
import { createProgressReporter } from '../progress-reporter.js';
import { formatRunSummary } from '../run-report/run-summary.js';
import type { CommandModule } from './index.js';
import { type RemoteRunFlags, addRemoteRunOptions, runRemoteFromCli } from './run-remote.js';

interface RunFlags {
  readonly param: string[];
  readonly params?: string;
  readonly maxParallel?: string;
  /** false under --no-cache. */
  readonly cache: boolean;
  readonly stub: string[];
  readonly stubAll?: boolean;
  readonly stubs?: string;
  readonly json?: boolean;
  readonly home?: string;
  readonly config?: string;
  readonly s3Endpoint?: string;
  readonly pipelineName?: string;
  readonly logs?: boolean;
  readonly from?: string;
  readonly steps?: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export const runCommand: CommandModule = {
  register(program: Command, io: CliIo): void {
    addRemoteRunOptions(
      program
      .command('run')
      .description('run a pipeline definition: locally in mock mode (embedded S3, each job step in a Docker container), or on SageMaker with --no-mock')
      .argument('<file>', 'pipeline definition JSON (pipeline.definition()) or a DescribePipeline response')
      .option('--param <Name=Value>', 'a parameter value (repeatable)', collect, [])
      .option('--params <file>', 'parameter values from a JSON object file ({"Name": value}); --param wins')
      .option('--max-parallel <n>', 'steps running at once at most (default: number of cores)')
      .option('--no-cache', 'ignore CacheConfig: run every step')
      .option('--stub <step>', 'run this step as a stub (repeatable)', collect, [])
      .option('--stub-all', 'run every job step as a stub')
      .option('--stubs <file>', 'stubs file: {"<Step>": {"properties", "propertyFiles", "outputParameters", "fail"}}')
      .option('--json', 'print the final execution as JSON (DescribePipelineExecution + steps) on stdout')
      .option('--home <dir>', 'sagesim home holding executions (default .sagesim, or SAGESIM_HOME)')
      .option('--config <file>', `config file (default ./sagesim.config.json)`)
      .option('--s3-endpoint <url>', 'use this S3 (LocalStack, MinIO...) instead of the embedded emulator (default AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL)')
      .option('--pipeline-name <name>', 'pipeline name (default: the file name)')
      .option('--logs', 'print step log lines with the progress')
      .option('--steps <A,B>', 'run only these steps (SelectiveExecutionConfig); the others upstream reuse the results of --from')
      .option('--from <execution>', 'the execution (id, ARN or unique prefix) whose results the unselected steps reuse'),
    ).action(async (file: string, flags: RunFlags & RemoteRunFlags) => {
      // --no-mock: submitted to SageMaker (or --endpoint-url) by src/remote, followed from here.
      if (flags.mock === false) await runRemoteFromCli(file, flags, io);
      else await run(file, flags, io);
    });
  },
};

async function run(file: string, flags: RunFlags, io: CliIo): Promise<void> {
  const config = resolveConfig(
    {
      cwd: io.cwd,
      ...(flags.home === undefined ? {} : { home: flags.home }),
      ...(flags.config === undefined ? {} : { configFile: flags.config }),
      ...(flags.s3Endpoint === undefined ? {} : { s3Endpoint: flags.s3Endpoint }),
      ...(flags.maxParallel === undefined ? {} : { maxParallel: parseMaxParallel(flags.maxParallel) }),
      ...(flags.cache === false ? { cache: false } : {}),
    },
    io.env,
  );
  const parameters: Record<string, ParameterValue> = {
    ...(flags.params === undefined ? {} : await readParamsFile(path.resolve(io.cwd, flags.params))),
    ...parseParamAssignments(flags.param),
  };
  const stubs = await stubOptions(flags, io);

  // Progress goes to stderr so that --json output on stdout stays parseable.
  const progressOut = flags.json ? io.stderr : io.stdout;
  const progress = createProgressReporter({ out: progressOut, showLogs: flags.logs === true });
  const controller = new AbortController();
  const signals = io.signals ?? process;
  let interrupts = 0;
  const onSigint = (): void => {
    interrupts++;
    if (interrupts === 1) {
      io.stderr.write('\nstopping the execution (running steps are being stopped)...\n');
      controller.abort(new StoppedError('stopped by SIGINT'));
    } else {
      io.stderr.write('still stopping; waiting for running steps to end\n');
    }
  };
  signals.on('SIGINT', onSigint);
  let record;
  try {
    record = await runDefinitionFile({
      file: path.resolve(io.cwd, file),
      config,
      parameters,
      ...(flags.pipelineName === undefined ? {} : { pipelineName: flags.pipelineName }),
      stubs,
      ...selectiveOptions(flags),
      reporter: progress,
      signal: controller.signal,
    });
  } finally {
    signals.off('SIGINT', onSigint);
    progress.close();
  }

  const summary = await formatRunSummary(record, { config, out: flags.json ? io.stderr : io.stdout, env: io.env, flags });
  if (flags.json) {
    io.stderr.write(summary);
    io.stdout.write(`${JSON.stringify(toRunJson(record), null, 2)}\n`);
  } else {
    io.stdout.write(`\n${summary}`);
  }
  if (record.status !== 'Succeeded') throw new ExitCode(EXIT.failed);
}

function parseMaxParallel(raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(value) || value < 1) {
    throw new SagesimError('INVALID_ARGUMENT', `--max-parallel must be a whole number of at least 1, got ${JSON.stringify(raw)}`, {
      source: 'user',
      hint: 'e.g. --max-parallel 1 to run one step at a time; leave it out to use the number of cores',
    });
  }
  return value;
}

async function stubOptions(flags: RunFlags, io: CliIo): Promise<StubOptions> {
  const steps: Record<string, StubSpec> = {};
  if (flags.stubs !== undefined) {
    const file = path.resolve(io.cwd, flags.stubs);
    let parsed: unknown;
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
      parsed = JSON.parse(text);
    } catch (cause) {
      const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
      const problem = text === undefined ? `cannot read stubs file ${file}: ${(cause as Error).message}` : `stubs file ${file} is not JSON${notJsonDetail(text, cause)}`;
      throw new SagesimError('INVALID_STUBS', missing ? `stubs file not found: ${file}` : problem, {
        source: 'user',
        cause,
        hint: 'a stubs file is JSON: {"<StepName>": {"properties": {...}, "propertyFiles": {...}, "fail": {...}}}',
      });
    }
    Object.assign(steps, parseStubsFile(parsed, file));
  }
  for (const name of flags.stub) steps[name] ??= {};
  return { all: flags.stubAll === true, steps };
}

function selectiveOptions(flags: RunFlags): { selective?: SelectiveRunOptions } {
  if (flags.steps === undefined) {
    if (flags.from !== undefined) {
      throw new SagesimError('INVALID_ARGUMENT', '--from needs --steps: the steps to run again', { source: 'user', hint: 'e.g. --from <execution> --steps EvaluateModel,CheckMseThreshold' });
    }
    return {};
  }
  const steps = flags.steps.split(',').map((name) => name.trim()).filter((name) => name !== '');
  return { selective: { steps, ...(flags.from === undefined ? {} : { from: flags.from }) } };
}
