// The `--no-mock` half of `sagesim run`: flags, credentials and stores for submitting to SageMaker
// (or to `sagesim serve` through --endpoint-url), the same progress view and summary as a local
// run, and what Ctrl-C means for an execution that runs elsewhere:
// - on a terminal, the first Ctrl-C asks whether to stop the remote execution: yes stops it and
//   follows it to Stopped; no leaves it running and stops following;
// - without a terminal (CI), Ctrl-C stops the remote execution, so a cancelled job leaves nothing
//   running (and billing) in the account; a second Ctrl-C stops following at once;
// - SIGTERM (`timeout`, a cancelled CI job, `docker stop`) has nobody to ask: it always stops the
//   remote execution, as Ctrl-C does without a terminal.
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { ParameterValue } from '../../engine/definition-types.js';
import { parseParamAssignments, readParamsFile } from '../../engine/parameters.js';
import { toRunJson } from '../../engine/run-record-json.js';
import { SagesimError, StoppedError } from '../../errors.js';
import type { RemoteRunResult, RemoteSubmission } from '../../remote/run-remote.js';
import { type CliIo, EXIT, ExitCode, type StopSignal } from '../cli-io.js';
import { wantsDummyCredentials } from '../local-endpoint.js';
import { createProgressReporter } from '../progress-reporter.js';
import { onStopSignal } from '../stop-signals.js';
import { configFromFlags } from '../store-flags.js';
import { formatSummary } from '../summary.js';

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
  // The AWS SDK loads here, not when the CLI starts: only --no-mock needs it.
  const [{ DUMMY_CREDENTIALS, createS3Client }, { S3ObjectStore }, { toAwsError }, { runRemote }, { createSdkControl }] = await Promise.all([
    import('../../mock-aws/s3-client.js'),
    import('../../mock-aws/s3-object-store.js'),
    import('../../remote/aws-error.js'),
    import('../../remote/run-remote.js'),
    import('../../remote/sagemaker-control.js'),
  ]);
  const config = configFromFlags(flags, io, {
    mock: false,
    ...(flags.region === undefined ? {} : { region: flags.region }),
  });
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
  // A local endpoint accepts any credentials; do not make users invent some.
  const profile = flags.profile;
  const dummy = profile === undefined && wantsDummyCredentials(endpoint, io.env) ? DUMMY_CREDENTIALS : undefined;
  const control = createSdkControl({ region: config.region, ...(endpoint ? { endpoint } : {}), ...(dummy ? { credentials: dummy } : {}), ...(profile === undefined ? {} : { profile }) });
  const objectStore = endpoint
    ? new S3ObjectStore({
        client: createS3Client({ endpoint, region: config.region, credentials: dummy ? 'dummy' : 'default', ...(profile === undefined ? {} : { profile }) }),
        endpoint,
        description: `S3 at ${endpoint}`,
        createBuckets: true,
      })
    : new S3ObjectStore({
        client: createS3Client({ region: config.region, credentials: 'default', ...(profile === undefined ? {} : { profile }) }),
        endpoint: `https://s3.${config.region}.amazonaws.com`,
        description: `AWS S3 (${config.region})`,
      });

  // Progress goes to stderr when stdout carries a result (--json, or the ARN under --no-wait).
  const progress = createProgressReporter({ out: flags.json || flags.wait === false ? io.stderr : io.stdout });
  const follow = new AbortController();
  let submission: RemoteSubmission | undefined;
  let interrupts = 0;
  let interruptedBeforeStart = false;
  let prompting = false;
  const interactive = io.stdin !== undefined && io.stdout.isTTY === true && (io.stdin as { isTTY?: boolean }).isTTY === true;

  const stopRemote = async (arn: string): Promise<void> => {
    io.stderr.write(`stopping ${arn} ...\n`);
    try {
      await control.stopPipelineExecution(arn);
    } catch (error) {
      const mapped = toAwsError(error, { action: `StopPipelineExecution ${arn}`, target: control.description, ...(endpoint ? { endpoint } : {}) });
      io.stderr.write(`error: ${mapped.message}\n${mapped.hint ? `hint: ${mapped.hint}\n` : ''}`);
    }
  };
  const detach = (arn: string): void => {
    io.stderr.write(`left ${arn} running; follow it with: aws sagemaker describe-pipeline-execution --pipeline-execution-arn ${arn}${endpoint ? ` --endpoint-url ${endpoint}` : ''}\n`);
    follow.abort(new StoppedError('stopped following'));
  };
  const onStop = (signal: StopSignal): void => {
    interrupts++;
    if (!submission) {
      interruptedBeforeStart = true;
      io.stderr.write('\ninterrupted: the execution is stopped as soon as it has started\n');
      return;
    }
    const arn = submission.executionArn;
    if (interrupts > 1 || prompting) {
      detach(arn);
      return;
    }
    if (!interactive || signal === 'SIGTERM') {
      void stopRemote(arn);
      return;
    }
    prompting = true;
    void ask(io, `\nStop the execution ${arn} in ${control.description}? [y/N] `).then(async (answer) => {
      prompting = false;
      if (/^y(es)?$/i.test(answer.trim())) await stopRemote(arn);
      else detach(arn);
    });
  };
  const stopListening = onStopSignal(io, onStop);

  let result: RemoteRunResult;
  try {
    result = await runRemote({
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
        submission = started;
        io.stderr.write(`${started.created ? 'created' : 'updated'} pipeline ${started.pipelineArn}\nstarted ${started.executionArn}\n`);
        if (interruptedBeforeStart) void stopRemote(started.executionArn);
      },
    });
  } catch (error) {
    if (error instanceof StoppedError && submission) throw new ExitCode(EXIT.failed);
    throw error;
  } finally {
    stopListening();
    progress.close();
    control.destroy();
    await objectStore[Symbol.asyncDispose]();
  }

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

async function ask(io: CliIo, question: string): Promise<string> {
  if (!io.stdin) return '';
  io.stderr.write(question);
  const rl = createInterface({ input: io.stdin, terminal: false });
  try {
    return await rl.question('');
  } finally {
    rl.close();
  }
}
