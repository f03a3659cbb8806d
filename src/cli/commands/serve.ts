// `sagesim serve`: a SageMaker-compatible endpoint (control plane + S3) on 127.0.0.1, so boto3,
// the AWS CLI, the SageMaker Python SDK and `sagesim run --no-mock --endpoint-url` drive local
// executions unchanged. Runs until Ctrl-C or SIGTERM (`docker stop`, a cancelled CI job).
import type { Command } from 'commander';
import type { SagesimConfig } from '../../config.js';
import type { Reporter } from '../../engine/events.js';
import { SagesimError, isSagesimError } from '../../errors.js';
import { DEFAULT_SERVE_PORT } from '../../mock-aws/serve-port.js';
import type { CliIo, OutputStream } from '../cli-io.js';
import { collect, stubOptionsFromFlags } from '../run-session.js';
import { onStopSignal } from '../stop-signals.js';
import { configFromFlags } from '../store-flags.js';
import type { StubOptions } from '../../steps/stub-executor.js';
import type { CommandModule } from './index.js';

/** The flags of `serve`, which `exec` shares: both start the same endpoint. */
export interface ServeFlags {
  readonly port: string;
  readonly home?: string;
  readonly config?: string;
  readonly region?: string;
  readonly stub: string[];
  readonly stubAll?: boolean;
  readonly stubs?: string;
  readonly quiet?: boolean;
}

export const serveCommand: CommandModule = {
  register(program: Command, io: CliIo): void {
    const command = program
      .command('serve')
      .description('serve the SageMaker API (pipelines, executions, jobs, model registry) and S3 on 127.0.0.1, backed by local executions')
      .option('--port <port>', 'port to listen on (0 picks a free one)', String(DEFAULT_SERVE_PORT))
      .option('--home <dir>', 'sagesim home holding pipelines, executions and S3 data (default .sagesim, or SAGESIM_HOME)')
      .option('--config <file>', 'config file (default ./sagesim.config.json)')
      .option('--region <region>', 'region in the ARNs the endpoint returns (default us-east-1, or AWS_REGION)');
    addEndpointStubOptions(command)
      .option('--quiet', 'print only the endpoint and console lines, and errors')
      .action(async (flags: ServeFlags) => {
        await serve(flags, io);
      });
  },
};

/** What an endpoint (`serve`, `exec`) starts with, from its flags. */
export async function endpointSettings(flags: ServeFlags, io: CliIo): Promise<{ port: number; config: SagesimConfig; stubs: StubOptions }> {
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new SagesimError('INVALID_ARGUMENT', `--port must be a port number (0-65535), got ${JSON.stringify(flags.port)}`, {
      source: 'user',
      hint: `e.g. --port ${DEFAULT_SERVE_PORT}, or --port 0 to pick a free one`,
    });
  }
  const config = configFromFlags(flags, io, flags.region === undefined ? {} : { region: flags.region });
  return { port, config, stubs: await stubOptionsFromFlags(flags, io) };
}

async function serve(flags: ServeFlags, io: CliIo): Promise<void> {
  const { port, config, stubs } = await endpointSettings(flags, io);
  const log = (line: string): void => {
    io.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  };
  // The server (AWS SDK shapes, the engine, dockerode) loads here, not when the CLI starts.
  const { startServe } = await import('../../mock-aws/serve.js');
  const handle = await startServe({
    config,
    port,
    stubs,
    ...(flags.quiet ? {} : { reporter: executionLog(log) }),
    onRequest: (event) => {
      if (event.errorType !== undefined) {
        const message = event.error instanceof Error ? event.error.message : '';
        log(`${event.operation || '?'} -> ${event.status} ${event.errorType}${message ? `: ${message}` : ''}`);
      } else if (!flags.quiet && event.operation !== 'ListPipelineExecutionSteps' && !event.operation.startsWith('Describe') && !event.operation.startsWith('List')) {
        log(`${event.operation} -> ${event.status}`);
      }
    },
    onError: (arn, error) => log(`execution ${arn} broke: ${isSagesimError(error) || error instanceof Error ? error.message : String(error)}`),
  });
  write(io.stdout, `sagesim serve: SageMaker API and S3 on ${handle.endpoint} (home ${config.home})\n`);
  write(io.stdout, `UI: ${handle.consoleUrl}\n`);
  if (!flags.quiet) {
    write(
      io.stdout,
      `  boto3.client("sagemaker", endpoint_url="${handle.endpoint}", region_name="${config.region}", aws_access_key_id="x", aws_secret_access_key="x")\n` +
        `  aws sagemaker list-pipelines --endpoint-url ${handle.endpoint}\n` +
        `  sagesim run pipeline.json --no-mock --endpoint-url ${handle.endpoint}\n` +
        `Ctrl-C stops the server (and the executions running in it).\n`,
    );
  }
  // The first SIGINT or SIGTERM closes the server; a second one (of either kind) ends Node at once.
  const signal = await new Promise<string>((resolve) => {
    const stopListening = onStopSignal(io, (received) => {
      stopListening();
      resolve(received);
    });
  });
  write(io.stderr, `${signal === 'SIGINT' ? '' : `${signal}: `}stopping: running executions are being stopped...\n`);
  await handle.close();
}

function write(out: OutputStream, text: string): void {
  out.write(text);
}

/** One line per execution and step transition, for the server's terminal. */
export function executionLog(log: (line: string) => void): Reporter {
  return {
    executionStarted: (e) => log(`execution ${e.executionId} started (${e.pipelineName})`),
    stepStarted: (e) => log(`${e.executionId} ${e.step.stepName} Executing${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`),
    stepSucceeded: (e) => log(`${e.executionId} ${e.step.stepName} Succeeded`),
    stepCached: (e) => log(`${e.executionId} ${e.step.stepName} Succeeded (cache hit from ${e.step.cacheHit?.sourcePipelineExecutionArn ?? '?'})`),
    stepFailed: (e) => log(`${e.executionId} ${e.step.stepName} Failed${e.step.failureReason ? `: ${e.step.failureReason}` : ''}${e.willRetry ? ' (will retry)' : ''}`),
    stepSkipped: (e) => log(`${e.executionId} ${e.step.stepName} Skipped`),
    stepStopped: (e) => log(`${e.executionId} ${e.step.stepName} Stopped`),
    warning: (e) => log(`warning${e.stepName ? ` (${e.stepName})` : ''}: ${e.message}`),
    executionFinished: (e) => log(`execution ${e.executionId} ${e.status}${e.failureReason ? `: ${e.failureReason}` : ''}`),
  };
}

/** The stub options of an endpoint's executions (`serve`, `exec`). */
export function addEndpointStubOptions(command: Command): Command {
  return command
    .option('--stub <step>', 'run this step as a stub in every execution (repeatable)', collect, [])
    .option('--stub-all', 'run every job step as a stub (no containers)')
    .option('--stubs <file>', 'stubs file: {"<Step>": {"properties", "propertyFiles", "outputParameters", "fail"}}');
}
