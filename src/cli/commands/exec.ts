// `sagesim exec [options] -- <command> [args...]`: the user's own script against a local
// SageMaker API and S3, unchanged. Like `awslocal` for LocalStack, but for any program that reads
// the standard AWS environment: boto3, the SageMaker Python SDK, the AWS CLI, the JavaScript SDK.
// The endpoint lives exactly as long as the command; sagesim exits with the command's status.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Command } from 'commander';
import { SagesimError, isSagesimError } from '../../errors.js';
import { type CliIo, ExitCode, type StopSignal } from '../cli-io.js';
import { onStopSignal } from '../stop-signals.js';
import { checkBotocore } from './exec-botocore.js';
import type { CommandModule } from './index.js';
import { type ServeFlags, addEndpointStubOptions, endpointSettings, executionLog } from './serve.js';

/** `exec` starts the same endpoint as `serve`, with the same flags. */
type ExecFlags = ServeFlags;

/** What a program needs to reach the endpoint and nothing else: never the user's real account. */
export function endpointEnvironment(env: CliIo['env'], endpoint: string, region: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    // Credentials and profiles would point an SDK at the real account (or fail to load); endpoint
    // variables for other services would send their calls past sagesim.
    if (value === undefined || REMOVED.has(name) || name.startsWith('AWS_ENDPOINT_URL')) continue;
    out[name] = value;
  }
  return {
    ...out,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ENDPOINT_URL_SAGEMAKER: endpoint,
    AWS_ACCESS_KEY_ID: 'sagesim',
    AWS_SECRET_ACCESS_KEY: 'sagesim',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    // The SDKs probe 169.254.169.254 for credentials and region when they lack some: a timeout offline.
    AWS_EC2_METADATA_DISABLED: 'true',
    SAGESIM_ENDPOINT_URL: endpoint,
  };
}

const REMOVED: ReadonlySet<string> = new Set([
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
]);

export const execCommand: CommandModule = {
  register(program: Command, io: CliIo): void {
    const command = program
      .command('exec')
      .description('run a command against a local SageMaker API and S3 (AWS_ENDPOINT_URL, dummy credentials and a region set), e.g. `sagesim exec -- python pipeline.py`')
      .argument('<command...>', 'the command and its arguments, after --')
      .option('--port <port>', 'port of the endpoint (default: a free one)', '0')
      .option('--home <dir>', 'sagesim home holding pipelines, executions and S3 data (default .sagesim, or SAGESIM_HOME)')
      .option('--config <file>', 'config file (default ./sagesim.config.json)')
      .option('--region <region>', 'region the command is given and the ARNs carry (default us-east-1, or AWS_REGION)');
    addEndpointStubOptions(command)
      .option('--quiet', "print nothing but the command's own output and errors")
      // `sagesim exec python3 -c ...` reads -c as exec's own option: say where the command goes.
      .configureOutput({
        outputError: (message, write) => write(/unknown option/.test(message) ? `${message}hint: put the command after --, e.g. \`sagesim exec --stub-all -- python3 pipeline.py\`\n` : message),
      })
      .action(async (commandLine: string[], flags: ExecFlags) => {
        throw new ExitCode(await exec(commandLine, flags, io));
      });
  },
};

async function exec(argv: readonly string[], flags: ExecFlags, io: CliIo): Promise<number> {
  const [file, ...args] = argv;
  if (file === undefined) throw new SagesimError('INVALID_ARGUMENT', 'exec needs a command to run', { source: 'user', hint: 'e.g. `sagesim exec -- python3 pipeline.py`' });
  const { port, config, stubs } = await endpointSettings(flags, io);
  const log = (line: string): void => {
    io.stderr.write(`sagesim: ${line}\n`);
  };
  const { startServe } = await import('../../mock-aws/serve.js'); // the server loads on use
  const handle = await startServe({
    config,
    port,
    stubs,
    ...(flags.quiet ? {} : { reporter: executionLog(log) }),
    onError: (arn, error) => log(`execution ${arn} broke: ${isSagesimError(error) || error instanceof Error ? error.message : String(error)}`),
  });
  try {
    const env = endpointEnvironment(io.env, handle.endpoint, config.region);
    if (!flags.quiet) log(`SageMaker API and S3 on ${handle.endpoint} (home ${config.home}) for: ${argv.join(' ')}`);
    const warning = await checkBotocore(file, env, io.cwd);
    if (warning) io.stderr.write(`warning: ${warning}\n`);
    return await runChild(file, args, env, io);
  } finally {
    await handle.close();
  }
}

/** Runs the command to its end with the terminal's stdio; resolves with the status a shell would give. */
function runChild(file: string, args: readonly string[], env: Record<string, string>, io: CliIo): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: io.cwd, env, stdio: 'inherit' });
    // A signal sent to sagesim (`kill`, `timeout`, a CI cancel) is the command's to handle. Ctrl-C
    // on a terminal already reached the command (same process group): a second one would cut
    // short its own clean-up.
    const fromTerminal = (io.stdin as { isTTY?: boolean } | undefined)?.isTTY === true;
    const stopForwarding = onStopSignal(io, (signal: StopSignal) => {
      if (signal === 'SIGINT' && fromTerminal) return;
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      stopForwarding();
      if (error.code === 'ENOENT') {
        io.stderr.write(`error: cannot run ${JSON.stringify(file)}: command not found\nhint: check the spelling, or give its path (e.g. ./script.sh)\n`);
        resolve(127);
      } else if (error.code === 'EACCES') {
        io.stderr.write(`error: cannot run ${JSON.stringify(file)}: permission denied\nhint: make it executable (chmod +x) or run it through its interpreter\n`);
        resolve(126);
      } else reject(error);
    });
    child.once('exit', (code, signal) => {
      stopForwarding();
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
