// The `--no-mock` half of `sagesim run`: flags, credentials and stores for submitting to SageMaker
// (or to `sagesim serve` through --endpoint-url), the same progress view and summary as a local
// run, and what Ctrl-C means for an execution that runs elsewhere (remote-interrupts.ts).
import path from 'node:path';
import type { Command } from 'commander';
import type { ParameterValue } from '../../engine/definition-types.js';
import { parseParamAssignments } from '../../engine/parameters.js';
import { readParamsFile } from '../../app/params-file.js';
import { toRunJson } from '../../engine/run-record-json.js';
import { SagesimError, StoppedError } from '../../errors.js';
import type { RemoteRunResult } from '../../remote/run-remote.js';
import type { SageMakerControl } from '../../remote/sagemaker-control.js';
import type { S3ObjectStore } from '../../mock-aws/s3-object-store.js';
import { type CliIo, EXIT, ExitCode } from '../cli-io.js';
import { wantsDummyCredentials } from '../local-endpoint.js';
import { createProgressReporter } from '../progress-reporter.js';
import { onStopSignal } from '../stop-signals.js';
import { configFromFlags } from '../store-flags.js';
import { formatSummary } from '../summary.js';
import { remoteInterrupts } from './remote-interrupts.js';

/** The flags `run` has for `--no-mock` (commander's camel-cased names). */
export interface RemoteRunFlags {
  /** false under --no-mock. */
  readonly mock?: boolean;
  readonly role?: string;
  readonly region?: string;
  readonly bucket?: string;
  readonly endpointUrl?: string;
  readonly profile?: string;
  /** false under --no-wait. */
  readonly wait?: boolean;
  readonly param: string[];
  readonly params?: string;
  readonly maxParallel?: string;
  readonly pipelineName?: string;
  readonly json?: boolean;
  readonly config?: string;
  readonly home?: string;
}

/** Adds the --no-mock flags to the run command. */
export function addRemoteRunOptions(command: Command): Command {
  return command
    .option('--no-mock', 'submit to SageMaker (or --endpoint-url) instead of running locally')
    .option('--role <arn>', '--no-mock: the pipeline execution role (needed to create the pipeline)')
    .option('--region <region>', '--no-mock: AWS region (default AWS_REGION, the profile, or us-east-1)')
    .option('--profile <name>', '--no-mock: the AWS profile for credentials (default AWS_PROFILE, or default)')
    .option('--bucket <name>', "--no-mock: put the manifest's assets and the SDK default-bucket URIs in this bucket")
    .option('--endpoint-url <url>', '--no-mock: SageMaker and S3 endpoint, e.g. a `sagesim serve` at http://127.0.0.1:8577')
    .option('--no-wait', '--no-mock: print the execution ARN once started instead of following it');
}

export async function runRemoteFromCli(file: string, flags: RemoteRunFlags, io: CliIo): Promise<void> {
  const modules = await loadRemoteModules();
  const config = configFromFlags(flags, io, {
    mock: false,
    ...(flags.region === undefined ? {} : { region: flags.region }),
  });
  const { endpoint, maxParallel, parameters } = await remoteRunInputs(flags, io);
  const { control, objectStore } = remoteClients(modules, { region: config.region, endpoint, profile: flags.profile, io });

  // Progress goes to stderr when stdout carries a result (--json, or the ARN under --no-wait).
  const progress = createProgressReporter({ out: flags.json || flags.wait === false ? io.stderr : io.stdout });
  const follow = new AbortController();
  const interrupts = remoteInterrupts({
    io,
    target: control.description,
    endpoint,
    follow,
    stopRemote: async (arn) => {
      io.stderr.write(`stopping ${arn} ...\n`);
      try {
        await control.stopPipelineExecution(arn);
      } catch (error) {
        const mapped = modules.toAwsError(error, { action: `StopPipelineExecution ${arn}`, target: control.description, ...(endpoint ? { endpoint } : {}) });
        io.stderr.write(`error: ${mapped.message}\n${mapped.hint ? `hint: ${mapped.hint}\n` : ''}`);
      }
    },
  });
  const stopListening = onStopSignal(io, (signal) => interrupts.onStop(signal));

  let result: RemoteRunResult;
  try {
    result = await modules.runRemote({
      file: path.resolve(io.cwd, file),
      control,
      objectStore,
      ...(flags.pipelineName === undefined ? {} : { pipelineName: flags.pipelineName }),
      ...(flags.role === undefined ? {} : { role: flags.role }),
      ...(flags.bucket === undefined ? {} : { bucket: flags.bucket }),
      parameters,
      ...(maxParallel === undefined ? {} : { maxParallel }),
      wait: flags.wait !== false,
      reporter: progress,
      signal: follow.signal,
      ...(endpoint ? { endpoint } : {}),
      onStarted: (started) => {
        io.stderr.write(`${started.created ? 'created' : 'updated'} pipeline ${started.pipelineArn}\nstarted ${started.executionArn}\n`);
        interrupts.started(started.executionArn);
      },
    });
  } catch (error) {
    if (error instanceof StoppedError && interrupts.executionArn !== undefined) throw new ExitCode(EXIT.failed);
    throw error;
  } finally {
    stopListening();
    progress.close();
    control.destroy();
    await objectStore[Symbol.asyncDispose]();
  }
  printRemoteResult(result, flags, io);
}

/** The AWS SDK loads here, not when the CLI starts: only --no-mock needs it. */
async function loadRemoteModules() {
  const [s3Client, s3ObjectStore, awsError, runRemote, sagemakerControl] = await Promise.all([
    import('../../mock-aws/s3-client.js'),
    import('../../mock-aws/s3-object-store.js'),
    import('../../remote/aws-error.js'),
    import('../../remote/run-remote.js'),
    import('../../remote/sagemaker-control.js'),
  ]);
  return {
    DUMMY_CREDENTIALS: s3Client.DUMMY_CREDENTIALS,
    createS3Client: s3Client.createS3Client,
    S3ObjectStore: s3ObjectStore.S3ObjectStore,
    toAwsError: awsError.toAwsError,
    runRemote: runRemote.runRemote,
    createSdkControl: sagemakerControl.createSdkControl,
  };
}

type RemoteModules = Awaited<ReturnType<typeof loadRemoteModules>>;

interface RemoteRunInputs {
  readonly endpoint: string | undefined;
  readonly maxParallel: number | undefined;
  readonly parameters: Record<string, ParameterValue>;
}

/** Checks --endpoint-url and --max-parallel, and gathers the parameters (file first, then --param). */
async function remoteRunInputs(flags: RemoteRunFlags, io: CliIo): Promise<RemoteRunInputs> {
  const endpoint = flags.endpointUrl;
  if (endpoint !== undefined && !/^https?:\/\/[^/]+/.test(endpoint)) {
    throw new SagesimError('INVALID_ARGUMENT', `--endpoint-url must be an http(s) URL, got ${JSON.stringify(endpoint)}`, { source: 'user', hint: 'e.g. --endpoint-url http://127.0.0.1:8577' });
  }
  const maxParallel = flags.maxParallel === undefined ? undefined : Number(flags.maxParallel);
  if (maxParallel !== undefined && (!Number.isSafeInteger(maxParallel) || maxParallel < 1)) {
    throw new SagesimError('INVALID_ARGUMENT', `--max-parallel must be a whole number of at least 1, got ${JSON.stringify(flags.maxParallel)}`, {
      source: 'user',
      hint: 'e.g. --max-parallel 1 to run one step at a time; leave it out to use the number of cores',
    });
  }
  const parameters: Record<string, ParameterValue> = {
    ...(flags.params === undefined ? {} : await readParamsFile(path.resolve(io.cwd, flags.params))),
    ...parseParamAssignments(flags.param),
  };
  return { endpoint, maxParallel, parameters };
}

interface RemoteTarget {
  readonly region: string;
  readonly endpoint: string | undefined;
  readonly profile: string | undefined;
  readonly io: CliIo;
}

/** The SageMaker control plane and the S3 of the target: AWS, or the endpoint (e.g. `sagesim serve`). */
function remoteClients(modules: RemoteModules, target: RemoteTarget): { control: SageMakerControl & { destroy(): void }; objectStore: S3ObjectStore } {
  const { region, endpoint, profile } = target;
  const withProfile = profile === undefined ? {} : { profile };
  // A local endpoint accepts any credentials; do not make users invent some.
  const dummy = profile === undefined && wantsDummyCredentials(endpoint, target.io.env) ? modules.DUMMY_CREDENTIALS : undefined;
  const control = modules.createSdkControl({ region, ...(endpoint ? { endpoint } : {}), ...(dummy ? { credentials: dummy } : {}), ...withProfile });
  const objectStore = endpoint
    ? new modules.S3ObjectStore({
        client: modules.createS3Client({ endpoint, region, credentials: dummy ? 'dummy' : 'default', ...withProfile }),
        endpoint,
        description: `S3 at ${endpoint}`,
        createBuckets: true,
      })
    : new modules.S3ObjectStore({
        client: modules.createS3Client({ region, credentials: 'default', ...withProfile }),
        endpoint: `https://s3.${region}.amazonaws.com`,
        description: `AWS S3 (${region})`,
      });
  return { control, objectStore };
}

/** The ARN alone under --no-wait; otherwise the summary (and the run's JSON under --json). */
function printRemoteResult(result: RemoteRunResult, flags: RemoteRunFlags, io: CliIo): void {
  if (!result.record) {
    io.stdout.write(flags.json ? `${JSON.stringify({ PipelineArn: result.pipelineArn, PipelineExecutionArn: result.executionArn }, null, 2)}\n` : `${result.executionArn}\n`);
    return;
  }
  const summary = formatSummary(result.record, { width: io.stdout.columns });
  if (flags.json) {
    io.stderr.write(summary);
    io.stdout.write(`${JSON.stringify(toRunJson(result.record), null, 2)}\n`);
  } else {
    io.stdout.write(`\n${summary}`);
  }
  if (result.record.status !== 'Succeeded') throw new ExitCode(EXIT.failed);
}
