// What `run` and `retry` share on the command line (`serve` too, for the stub flags): stub flags,
// --max-parallel, and running an execution with the progress view, SIGINT/SIGTERM handling, the
// summary and --json output.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { ConfigOverrides, SagesimConfig } from '../config.js';
import { type Reporter, combineReporters } from '../engine/events.js';
import type { ExecutionRecord } from '../engine/execution-record.js';
import { notJsonDetail } from '../engine/json-error-position.js';
import { toRunJson } from '../engine/run-record-json.js';
import { SagesimError, StoppedError } from '../errors.js';
import { type StubOptions, type StubSpec, parseStubsFile } from '../steps/stub-executor.js';
import { type CliIo, EXIT, ExitCode } from './cli-io.js';
import { createProgressReporter } from './progress-reporter.js';
import { formatRunSummary } from './run-report/run-summary.js';
import { onStopSignal } from './stop-signals.js';

export interface StubFlags {
  readonly stub: readonly string[];
  readonly stubAll?: boolean;
  readonly stubs?: string;
}

export interface SessionFlags {
  readonly json?: boolean;
  readonly logs?: boolean;
  readonly home?: string;
  readonly config?: string;
}

export const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** How steps run on this machine: what `run` and `retry` both take, worded alike. */
export interface LocalRunFlags extends StubFlags {
  readonly maxParallel?: string;
  /** false under --no-cache. */
  readonly cache: boolean;
  readonly cacheLikeCloud?: boolean;
  /** false under --no-instance-memory. */
  readonly instanceMemory: boolean;
  /** false under --no-gpu. */
  readonly gpu: boolean;
}

export function addLocalRunOptions(command: Command): Command {
  return command
    .option('--max-parallel <n>', 'steps running at once at most (default: number of cores)')
    .option('--no-cache', 'ignore CacheConfig: run every step')
    .option('--cache-like-cloud', 'reuse cached steps on their arguments alone, as SageMaker does, even when an object they read changed since')
    .option('--no-instance-memory', "do not limit containers to their instance type's memory")
    .option('--no-gpu', 'run jobs of GPU instance types (ml.g*, ml.p*, local_gpu) on the CPU')
    .option('--stub <step>', 'run this step as a stub (repeatable)', collect, [])
    .option('--stub-all', 'run every job step as a stub')
    .option('--stubs <file>', 'stubs file: {"<Step>": {"properties", "propertyFiles", "outputParameters", "fail"}}');
}

/** The configuration overrides those flags ask for. */
export function localRunOverrides(flags: LocalRunFlags): ConfigOverrides {
  return {
    ...(flags.maxParallel === undefined ? {} : { maxParallel: parseMaxParallel(flags.maxParallel) }),
    ...(flags.cache === false ? { cache: false } : {}),
    ...(flags.cacheLikeCloud === true ? { cacheLikeCloud: true } : {}),
    ...(flags.instanceMemory === false ? { instanceMemory: false } : {}),
    ...(flags.gpu === false ? { gpu: false } : {}),
  };
}

export function parseMaxParallel(raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isSafeInteger(value) || value < 1) {
    throw new SagesimError('INVALID_ARGUMENT', `--max-parallel must be a whole number of at least 1, got ${JSON.stringify(raw)}`, {
      source: 'user',
      hint: 'e.g. --max-parallel 1 to run one step at a time; leave it out to use the number of cores',
    });
  }
  return value;
}

/** `--stub`, `--stub-all` and `--stubs file.json` as the engine's StubOptions. */
export async function stubOptionsFromFlags(flags: StubFlags, io: CliIo): Promise<StubOptions> {
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

/**
 * How long a stop may take before the process ends anyway. Stopping containers takes a few seconds
 * (their grace period); only a peer that never answers (a wedged engine, a silent S3) takes longer.
 */
export const STOP_DEADLINE_MS = 10_000;

/** The last resort once a stop was asked for: ends the process (when the CLI may) after `ms`. */
function forceExitAfter(io: CliIo, ms: number): NodeJS.Timeout | undefined {
  const exit = io.exit;
  if (exit === undefined) return undefined;
  const timer = setTimeout(() => {
    io.stderr.write(`sagesim: still not stopped after ${ms / 1000} s (Docker or S3 is not answering); exiting without waiting any longer\n`);
    exit(EXIT.failed);
  }, ms);
  // Only a process that would otherwise stay alive is ended by it.
  timer.unref();
  return timer;
}

/**
 * Runs an execution with the progress view (on stderr under --json, so stdout stays parseable),
 * stops it on the first SIGINT or SIGTERM (`timeout`, a cancelled CI job, `docker stop`), then prints the summary (and the JSON record). Throws
 * ExitCode(1) unless the execution succeeded.
 */
export async function executeWithProgress(
  io: CliIo,
  flags: SessionFlags,
  config: SagesimConfig,
  start: (reporter: Reporter, signal: AbortSignal) => Promise<ExecutionRecord>,
): Promise<ExecutionRecord> {
  const progressOut = flags.json ? io.stderr : io.stdout;
  const progress = createProgressReporter({ out: progressOut, showLogs: flags.logs === true });
  // Under --json the warnings, shown as text on stderr, are also listed with their codes.
  const warnings: { Code: string; Message: string; StepName?: string }[] = [];
  const collect: Reporter = { warning: (e) => warnings.push({ Code: e.code, Message: e.message, ...(e.stepName === undefined ? {} : { StepName: e.stepName }) }) };
  const controller = new AbortController();
  let interrupts = 0;
  let deadline: NodeJS.Timeout | undefined;
  const stopListening = onStopSignal(io, (signal) => {
    interrupts++;
    if (interrupts === 1) {
      io.stderr.write(`\n${signal === 'SIGINT' ? '' : `${signal}: `}stopping the execution (running steps are being stopped)...\n`);
      controller.abort(new StoppedError(`stopped by ${signal}`));
      deadline = forceExitAfter(io, STOP_DEADLINE_MS);
    } else {
      io.stderr.write('still stopping; waiting for running steps to end\n');
    }
  });
  let record: ExecutionRecord;
  try {
    record = await start(flags.json ? combineReporters(progress, collect) : progress, controller.signal);
  } finally {
    clearTimeout(deadline);
    stopListening();
    progress.close();
  }

  const summary = await formatRunSummary(record, { config, out: progressOut, env: io.env, flags });
  if (flags.json) {
    io.stderr.write(summary);
    io.stdout.write(`${JSON.stringify({ ...toRunJson(record), ...(warnings.length > 0 ? { Warnings: warnings } : {}) }, null, 2)}\n`);
  } else {
    io.stdout.write(`\n${summary}`);
  }
  if (record.status !== 'Succeeded') throw new ExitCode(EXIT.failed);
  return record;
}
