// `sagesim reproduce <execution> <step>`: runs one job step of an earlier execution again, alone,
// with the same image, arguments, environment, /opt/ml layout and inputs, in a folder to inspect;
// `--shell` opens a shell in that container instead. `--no-mock` reads the job from SageMaker.
import path from 'node:path';
import type { Command } from 'commander';
import { SagesimError, StoppedError, assertNever } from '../../errors.js';
import { checkTerminal, jobCommandOf, openInteractiveShell, type ShellTerminal } from '../../reproduce/interactive-shell.js';
import type { ReproductionOrigin, ReproductionResult } from '../../app/reproduce-step.js';
import type { ReproductionSource } from '../../reproduce/reproduction-source.js';
import type { ContainerEngine, ContainerSpec } from '../../ports/container-engine.js';
import { type CliIo, EXIT, ExitCode } from '../cli-io.js';
import { wantsDummyCredentials } from '../local-endpoint.js';
import { formatBytes } from '../format-bytes.js';
import { configFromFlags } from '../store-flags.js';
import type { CommandModule } from './index.js';

interface ReproduceFlags {
  readonly shell?: boolean;
  readonly keep?: boolean;
  readonly upload?: boolean;
  readonly dir?: string;
  readonly seed?: string;
  /** false under --no-mock. */
  readonly mock: boolean;
  /** false under --no-instance-memory. */
  readonly instanceMemory: boolean;
  readonly endpointUrl?: string;
  readonly region?: string;
  readonly profile?: string;
  readonly home?: string;
  readonly config?: string;
  readonly json?: boolean;
  readonly quiet?: boolean;
}

export const reproduceCommand: CommandModule = {
  register(program: Command, io: CliIo): void {
    program
      .command('reproduce')
      .description("run one job step of an execution again, alone, with the same image, arguments, environment, /opt/ml layout and inputs")
      .argument('<execution>', 'execution id, ARN or unique prefix (with --no-mock: the execution ARN in SageMaker)')
      .argument('<step>', 'a Processing, Training or Transform step (any case, or a unique prefix)')
      .option('--shell', "open an interactive shell in the job's container (same mounts and environment) instead of running it")
      .option('--keep', 'keep the staged inputs after a successful run (always kept after a failure)')
      .option('--upload', "upload the outputs to the job's S3 locations, over the original execution's outputs")
      .option('--dir <dir>', 'the reproduction folder (default <home>/reproductions/<execution>-<step>-<time>)')
      .option('--seed <file>', 'first place what a fixture manifest declares in S3 (a manifest.json, or a definition with one beside it), e.g. after fixing a script')
      .option('--no-mock', 'the execution ran in SageMaker (or behind --endpoint-url): read the job from DescribeProcessingJob / DescribeTrainingJob / DescribeTransformJob')
      .option('--endpoint-url <url>', 'SageMaker and S3 endpoint (e.g. a `sagesim serve`), with --no-mock')
      .option('--region <region>', 'AWS region, with --no-mock (default AWS_REGION or us-east-1)')
      .option('--profile <name>', 'the AWS profile for credentials, with --no-mock (default AWS_PROFILE, or default)')
      .option('--no-instance-memory', "do not limit the container to its instance type's memory")
      .option('--json', 'print the result as JSON on stdout')
      .option('--quiet', "don't print the container's output as it runs")
      .option('--home <dir>', 'sagesim home holding executions (default .sagesim, or SAGESIM_HOME)')
      .option('--config <file>', 'config file (default ./sagesim.config.json)')
      .action(async (execution: string, step: string, flags: ReproduceFlags) => {
        await reproduce(execution, step, flags, io);
      });
  },
};

async function reproduce(execution: string, step: string, flags: ReproduceFlags, io: CliIo): Promise<void> {
  const terminal = flags.shell ? shellTerminal(io) : undefined;
  const cloud = flags.mock === false;
  if (!cloud && flags.profile !== undefined) {
    throw new SagesimError('INVALID_ARGUMENT', '--profile names the AWS credentials of a cloud execution: it goes with --no-mock', {
      source: 'user',
      hint: `e.g. sagesim reproduce <execution ARN> ${step} --no-mock --profile ${flags.profile}`,
    });
  }
  const config = configFromFlags(flags, io, {
    ...(cloud ? { mock: false } : {}),
    ...(flags.instanceMemory === false ? { instanceMemory: false } : {}),
    ...(flags.region === undefined ? {} : { region: flags.region }),
    ...(flags.endpointUrl === undefined ? {} : { s3Endpoint: flags.endpointUrl }),
  });
  const out = flags.json ? io.stderr : io.stdout;
  const controller = new AbortController();
  const signals = io.signals ?? process;
  const onSigint = (): void => {
    io.stderr.write('\nstopping the reproduction...\n');
    controller.abort(new StoppedError('stopped by SIGINT'));
  };
  if (!terminal) signals.on('SIGINT', onSigint);
  let result: ReproductionResult;
  try {
    // The engine, dockerode and the AWS SDK load here, not when the CLI starts.
    const { reproduceStep } = await import('../../app/reproduce-step.js');
    result = await reproduceStep({
      config,
      execution,
      step,
      origin: originOf(flags, io),
      ...(flags.dir === undefined ? {} : { dir: path.resolve(io.cwd, flags.dir) }),
      ...(flags.seed === undefined ? {} : { seed: path.resolve(io.cwd, flags.seed) }),
      ...(flags.keep ? { keep: true } : {}),
      ...(flags.upload ? { upload: true } : {}),
      signal: controller.signal,
      onPrepared: ({ dir, source }) => out.write(header(source, dir, flags)),
      reporter: {
        progress: (event) => io.stderr.write(`${event.message}\n`),
        warning: (event) => io.stderr.write(`warning: ${event.message}\n`),
      },
      ...(flags.quiet || terminal ? {} : { onLine: (line: string) => out.write(`  | ${line}\n`) }),
      ...(terminal
        ? {
            shell: (spec: ContainerSpec, engine: ContainerEngine) => {
              io.stderr.write(shellBanner(spec));
              return openInteractiveShell(spec, terminal, engine);
            },
          }
        : {}),
    });
  } finally {
    if (!terminal) signals.off('SIGINT', onSigint);
  }
  if (flags.json) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  out.write(report(result));
  if (result.status === 'Succeeded' || (result.status === 'Shell' && result.exitCode === 0)) return;
  throw new ExitCode(EXIT.failed);
}

/** Where the execution ran: the local store, or SageMaker (or --endpoint-url) under --no-mock. */
function originOf(flags: ReproduceFlags, io: CliIo): ReproductionOrigin {
  if (flags.mock !== false) return { kind: 'local' };
  return {
    kind: 'cloud',
    ...(flags.endpointUrl === undefined ? {} : { endpoint: flags.endpointUrl }),
    // A local endpoint (sagesim serve) takes any credentials: dummy ones unless the user names some.
    credentials: flags.profile === undefined && wantsDummyCredentials(flags.endpointUrl, io.env) ? 'dummy' : 'default',
    ...(flags.profile === undefined ? {} : { profile: flags.profile }),
  };
}

/** The user's terminal, checked before any work: --shell without a TTY is a usage error. */
function shellTerminal(io: CliIo): ShellTerminal {
  const stdin = (io.stdin ?? process.stdin) as unknown as ShellTerminal['stdin'];
  checkTerminal({ stdin, stdout: io.stdout });
  return { stdin, stdout: process.stdout };
}

function header(source: ReproductionSource, dir: string, flags: ReproduceFlags): string {
  const lines = [
    `Reproducing ${source.step.Name} (${source.stepType}) of ${source.origin === 'cloud' ? source.execution.executionArn : `execution ${source.execution.executionId}`}, which ${source.originalStatus}${source.originalFailureReason ? `: ${firstLine(source.originalFailureReason)}` : ''}`,
    `  job      ${source.jobName}`,
    `  folder   ${dir}`,
    flags.upload ? "  outputs  uploaded to the job's S3 locations (--upload): the original outputs are overwritten" : `  outputs  written under ${path.join(dir, 'outputs')}, not over the execution's`,
  ];
  return `${lines.join('\n')}\n`;
}

function shellBanner(spec: ContainerSpec): string {
  const mounts = spec.mounts.map((m) => `    ${m.containerPath}  <- ${m.hostPath}`).join('\n');
  return [
    `Opening a shell in ${spec.image} with the job's environment and mounts:`,
    mounts,
    `The job's command (also in $SAGESIM_JOB_COMMAND): ${jobCommandOf(spec) || '(the image default)'}`,
    'Exit the shell to end the reproduction.',
    '',
  ].join('\n');
}

function report(result: ReproductionResult): string {
  const lines: string[] = [''];
  const exit = result.exitCode === undefined ? '' : ` (exit ${result.exitCode})`;
  switch (result.status) {
    case 'Succeeded':
      lines.push(`Reproduction Succeeded${exit}`);
      break;
    case 'Failed':
      lines.push(`Reproduction Failed${exit}: ${result.failureReason ?? ''}`);
      break;
    case 'Stopped':
      lines.push('Reproduction Stopped');
      break;
    case 'Shell':
      lines.push(`Shell session ended${exit}`);
      break;
    default:
      assertNever(result.status, 'reproduction status');
  }
  if (result.container) {
    lines.push(`  image    ${result.container.image}`);
    if (result.container.memoryBytes !== undefined) lines.push(`  memory   ${formatBytes(result.container.memoryBytes)} (the instance type's; --no-instance-memory lifts the limit)`);
    for (const mount of result.container.mounts) lines.push(`  mount    ${mount.containerPath}  <- ${mount.hostPath}`);
  }
  for (const output of result.outputs) lines.push(`  output   ${output.uri}${output.file ? `\n             -> ${output.file}` : ''}`);
  if (result.uploaded) lines.push("  outputs  uploaded to the job's S3 locations");
  for (const [name, value] of Object.entries(result.propertyFiles)) lines.push(`  property file ${name}: ${JSON.stringify(value)}`);
  lines.push(`  log      ${result.logFile}`);
  lines.push(`  record   ${path.join(result.dir, 'reproduction.json')}`);
  return `${lines.join('\n')}\n`;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}
