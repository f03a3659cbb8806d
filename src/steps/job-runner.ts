// Carries out any JobPlan: host folders made, inputs (and a model's artifacts) staged from S3, config
// files written, the container run through its phase (to completion, or served and invoked: see
// container-phase.ts) with stop, MaxRuntimeInSeconds, memory and GPUs from the instance type,
// metrics read from its log, the message/failure file read, outputs uploaded after exit 0,
// properties derived.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { isSagesimError, SagesimError, StepFailure } from '../errors.js';
import { runToCompletion, type ContainerPhase, type PhaseEnd } from './container-phase.js';
import { readContainerTextFile } from './container-text-file.js';
import { hasEntries, packAndUpload } from './job-archive.js';
import {
  containerJobFailure,
  infrastructureFailure,
  jobEnvironment,
  pipWheelsSetup,
  stageInputs,
  throwIfStopped,
  uploadOutput,
  type JobContext,
  type JobDeps,
} from './job-container.js';
import { jobGpus } from './job-gpus.js';
import type { JobMessageFile, JobOutcome, JobOutput, JobPlan, JobRunFacts } from './job-plan.js';
import { MetricCollector } from './metrics.js';
import { stageModelArtifacts } from './model-artifacts.js';
import { writeJson } from './opt-ml.js';
import { explainRemoteFunctionFailure, prepareRemoteFunction, type RemoteFunctionSetup } from './remote-function/remote-function-job.js';
import { SDK_HINT } from './remote-function/sdk-locator.js';
import { downloadPrefix } from './staging.js';

/** What the container phase left for the runner to judge. */
interface ContainerRun extends PhaseEnd {
  readonly startTime: Date;
  readonly memoryBytes?: number;
}

/** The text of the first message file the container wrote, and which file it was. */
interface ContainerMessage {
  readonly text: string;
  readonly file: JobMessageFile;
}

/**
 * Runs a planned job to its end, its container through `phase`. Throws StepFailure (with the
 * Describe properties of the failed job) when the container fails, StoppedError when the signal aborts.
 */
export async function runJob(deps: JobDeps, context: JobContext, plan: JobPlan, phase: ContainerPhase = runToCompletion): Promise<JobOutcome> {
  const creationTime = deps.now();
  for (const warning of plan.warnings) context.warn(warning);
  const root = path.join(context.workDir, plan.folder);
  const remoteFunction = await prepareJob(deps, context, plan, root);
  const metrics = new MetricCollector(plan.metricDefinitions, deps.now);
  const run = await runContainer(deps, context, plan, { root, remoteFunction, phase }, (line) => metrics.observe(line));
  const endTime = deps.now();
  const failed = run.exit.exitCode !== 0 || run.exit.timedOut || run.early !== undefined;
  const message = plan.readMessage === 'always' || failed ? await readMessage(context, plan, root) : undefined;
  const facts: JobRunFacts = {
    creationTime,
    startTime: run.startTime,
    endTime,
    finalMetrics: metrics.finalMetrics(),
    ...(message === undefined ? {} : { exitMessage: message.text }),
  };
  if (failed) throw jobFailure(context, plan, run, facts, message);
  throwIfStopped(context.signal);
  await Promise.all(plan.outputs.map((output) => uploadJobOutput(context, root, output)));
  return { jobName: plan.jobName, arn: plan.arn, properties: plan.describe(facts, { status: 'Completed' }), finalMetrics: facts.finalMetrics };
}

/** Host folders, the `@step` SDK, staged inputs and config files: everything before the container. */
async function prepareJob(deps: JobDeps, context: JobContext, plan: JobPlan, root: string): Promise<RemoteFunctionSetup | undefined> {
  for (const folder of [...plan.mounts.map((mount) => mount.hostPath), ...plan.folders]) {
    await mkdir(path.join(root, folder), { recursive: true });
  }
  const remoteFunction = plan.remoteFunction === undefined ? undefined : await remoteFunctionSetup(deps, context, root, plan);
  const required = plan.inputs.filter((input) => input.optional !== true);
  await stageInputs(context, required.map((input) => ({ name: input.name, s3Uri: input.s3Uri, dataType: input.dataType, hostDir: path.join(root, input.hostPath) })));
  const model = plan.modelArtifacts;
  if (model !== undefined) await stageModelArtifacts(context, model.s3Uri, path.join(root, model.hostPath), path.join(root, 'model.tar.gz'));
  for (const input of plan.inputs.filter((candidate) => candidate.optional === true)) {
    await stageOptional(context, input.name, input.s3Uri, path.join(root, input.hostPath));
  }
  for (const file of plan.configFiles) await writeJson(path.join(root, file.hostPath), file.content);
  return remoteFunction;
}

/** Where the container runs from: the job's folder, the `@step` SDK set up for it, and its phase. */
interface ContainerSetup {
  readonly root: string;
  readonly remoteFunction: RemoteFunctionSetup | undefined;
  readonly phase: ContainerPhase;
}

/** The container, with the memory and GPUs of the instance type, the job's environment and mounts. */
async function runContainer(deps: JobDeps, context: JobContext, plan: JobPlan, setup: ContainerSetup, onLine: (line: string) => void): Promise<ContainerRun> {
  const { root, remoteFunction } = setup;
  const { container } = plan;
  const wheels = container.pipWheels ? pipWheelsSetup(deps.config, container.environment) : { mounts: [], env: {} };
  const gpus = await jobGpus(deps, context, plan.instanceType);
  const memoryBytes = deps.memoryLimit?.(plan.instanceType);
  const startTime = deps.now();
  const end = await setup.phase.run(deps, context, {
    ...(memoryBytes === undefined ? {} : { memoryBytes }),
    jobName: plan.jobName,
    localImage: plan.localImage,
    ...(container.entrypoint === undefined ? {} : { entrypoint: container.entrypoint }),
    ...(container.command === undefined ? {} : { command: container.command }),
    ...(gpus.gpus === undefined ? {} : { gpus: gpus.gpus }),
    env: jobEnvironment(
      deps,
      { ...wheels.env, ...container.environment, ...remoteFunction?.env },
      { ...(container.gpuEnvironment ? gpus.env : {}), ...container.jobVariables },
    ),
    mounts: [
      ...plan.mounts.map((mount) => ({ hostPath: path.join(root, mount.hostPath), containerPath: mount.containerPath })),
      ...wheels.mounts,
      ...(remoteFunction?.mounts ?? []),
    ],
    networkIsolation: container.networkIsolation,
    ...(container.maxRuntimeSeconds === undefined ? {} : { maxRuntimeSeconds: container.maxRuntimeSeconds }),
    onLine,
  });
  return { ...end, startTime, ...(memoryBytes === undefined ? {} : { memoryBytes }) };
}

/** The first message file the container left; why one that is there was not read goes to the step's log. */
async function readMessage(context: JobContext, plan: JobPlan, root: string): Promise<ContainerMessage | undefined> {
  for (const file of plan.messageFiles) {
    const hostFile = path.join(root, file.hostPath);
    const text = await readContainerTextFile(hostFile, (reason) => context.log(`[sagesim] ${reason.replace(hostFile, file.containerPath)}`));
    if (text !== undefined) return { text, file };
  }
  return undefined;
}

function jobFailure(context: JobContext, plan: JobPlan, run: ContainerRun, facts: JobRunFacts, message: ContainerMessage | undefined): StepFailure {
  const failureText = message === undefined || plan.remoteFunction === undefined ? message?.text : explainRemoteFunctionFailure(message.text, plan.imageUri, plan.localImage);
  const maxRuntimeSeconds = plan.container.maxRuntimeSeconds;
  return containerJobFailure(
    {
      stepName: context.stepName,
      executionId: context.execution.executionId,
      imageUri: plan.imageUri,
      localImage: plan.localImage,
      exit: run.exit,
      ...(failureText === undefined || message === undefined ? {} : { failureText, failureFile: message.file.containerPath }),
      ...(maxRuntimeSeconds === undefined ? {} : { maxRuntimeSeconds }),
      ...(run.memoryBytes === undefined ? {} : { memoryBytes: run.memoryBytes }),
    },
    plan.metadata,
    (reason) => plan.describe(facts, { status: 'Failed', reason, timedOut: run.exit.timedOut }),
    run.early,
  );
}

async function uploadJobOutput(context: JobContext, root: string, output: JobOutput): Promise<void> {
  const dir = path.join(root, output.hostPath);
  const archive = path.join(root, path.posix.basename(output.s3Uri));
  switch (output.upload) {
    case 'files':
      return uploadOutput(context, output.name, dir, output.s3Uri);
    case 'archive':
      return packAndUpload(context, dir, archive, output.s3Uri);
    case 'archive-if-any':
      if (await hasEntries(context, dir, path.basename(archive))) await packAndUpload(context, dir, archive, output.s3Uri);
      return;
  }
}

/** An input that may not be there yet (checkpoints of an earlier attempt): an empty prefix is the normal first run. */
async function stageOptional(context: JobContext, name: string, s3Uri: string, dir: string): Promise<void> {
  try {
    await downloadPrefix(context.objectStore, s3Uri, dir, { signal: context.signal });
  } catch (error) {
    throwIfStopped(context.signal);
    if (isSagesimError(error) && (error.code === 'S3_INPUT_NOT_FOUND' || error.code === 'S3_NOT_FOUND')) return;
    throw infrastructureFailure(context.stepName, `download ${name} from ${s3Uri}`, error);
  }
}

/** The user's SDK, checked and mounted, for a `@step` function step; a user error says what to do. */
async function remoteFunctionSetup(deps: JobDeps, context: JobContext, hostDir: string, plan: JobPlan): Promise<RemoteFunctionSetup> {
  const { containerArguments, stepEnvironment } = plan.remoteFunction ?? { containerArguments: undefined, stepEnvironment: {} };
  try {
    if (deps.sdk === undefined) throw new SagesimError('SDK_NOT_FOUND', 'this run has no SageMaker Python SDK locator', { source: 'sagesim', hint: SDK_HINT });
    const sdk = await deps.sdk.locate();
    return await prepareRemoteFunction({ sdk, stepName: context.stepName, containerArguments, stepEnvironment, hostDir, mock: deps.config.mock });
  } catch (error) {
    if (!isSagesimError(error)) throw error;
    const hint = error.hint === undefined ? '' : ` (${error.hint})`;
    const what = error.message.startsWith('step "') ? error.message : `step "${context.stepName}" is a @step function step: ${error.message}`;
    throw new StepFailure(`ClientError: ${what}${hint}`, { code: error.code, source: error.source, cause: error });
  }
}
