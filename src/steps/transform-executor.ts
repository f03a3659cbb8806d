// Transform steps (CreateTransformJob): the model a Model step recorded is served from its image
// (`serve`, /opt/ml/model from ModelDataUrl), /ping is awaited, and every input object is split,
// batched and POSTed to /invocations; results land at `<S3OutputPath>/<relative key>.out`.
// The serving container is stopped whatever happens.
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as extractTar } from 'tar';
import type { Clock } from '../engine/clock.js';
import type { JsonObject } from '../engine/json.js';
import { SagesimError, StepFailure, StoppedError, isSagesimError } from '../errors.js';
import { getModel } from '../mock-aws/model-store.js';
import type { RunningContainer } from '../ports/container-engine.js';
import type { StepContext, StepExecutor, StepResult } from './executor.js';
import { FAILURE_LOG_LINES, containerFailureReason, logsCommand } from './failure-reason.js';
import { jobGpus } from './job-gpus.js';
import {
  type JobContext,
  type JobDeps,
  infrastructureFailure,
  jobContextOf,
  jobEnvironment,
  jobLabels,
  throwIfStopped,
  uploadFileTo,
} from './job-container.js';
import { downloadFile, downloadPrefix } from './staging.js';
import { type Batch, Batcher } from './transform-batching.js';
import { assembleRecord, filterInput, needsPerRecordOutput, splitResponse } from './transform-filters.js';
import { type ModelServer, type ModelServerFactory, findFreePort, httpModelServer, waitForPing } from './transform-invoker.js';
import { type TransformInputObject, planTransformInputs, transformOutputUri } from './transform-layout.js';
import { type ServingContainerPlan, type TransformPlan, planServingContainer, planTransformJob, transformJobArn } from './transform-plan.js';
import type { TransformSettings } from './transform-settings.js';
import { splitRecords } from './transform-split.js';

export interface TransformExecutorOptions {
  /** @default HTTP to 127.0.0.1:<port> */
  readonly modelServer?: ModelServerFactory;
  /** @default a free port on 127.0.0.1 */
  readonly freePort?: () => Promise<number>;
  /** Paces /ping polling. @default systemClock */
  readonly clock?: Clock;
  /** How long the container may take to answer /ping. @default 300 */
  readonly pingTimeoutSeconds?: number;
  /** Between /ping attempts. @default 250 */
  readonly pingIntervalMs?: number;
}

export class TransformExecutor implements StepExecutor {
  readonly stepType = 'Transform' as const;

  constructor(
    private readonly deps: JobDeps,
    private readonly options: TransformExecutorOptions = {},
  ) {}

  async execute(context: StepContext): Promise<StepResult> {
    const stepName = context.step.Name;
    const facts = { stepName, jobName: context.jobName, execution: context.execution, resolveImage: this.deps.resolveImage };
    const arn = transformJobArn(facts);
    context.reportMetadata?.({ TransformJob: { Arn: arn } });
    const startTime = this.deps.now();
    let describe: JsonObject = { TransformJobName: context.jobName, TransformJobArn: arn };
    try {
      const plan = planTransformJob(context.arguments, facts, startTime);
      describe = plan.described;
      await this.run(context, plan);
      const endTime = this.deps.now();
      return {
        properties: { ...describe, TransformJobStatus: 'Completed', TransformEndTime: endTime.toISOString() },
        metadata: { TransformJob: { Arn: arn } },
      };
    } catch (error) {
      if (error instanceof StoppedError || context.signal.aborted) throw error instanceof StoppedError ? error : new StoppedError();
      const failure = asStepFailure(stepName, error);
      throw new StepFailure(failure.message, {
        code: failure.code,
        source: failure.source,
        cause: failure.cause ?? error,
        ...(failure.exceptionType === undefined ? {} : { exceptionType: failure.exceptionType }),
        metadata: { TransformJob: { Arn: arn } },
        properties: { ...describe, TransformJobStatus: 'Failed', FailureReason: failure.message, TransformEndTime: this.deps.now().toISOString() },
      });
    }
  }

  private async run(context: StepContext, plan: TransformPlan): Promise<void> {
    const job = jobContextOf(context);
    const { settings } = plan;
    const model = await getModel(this.deps.config.home, settings.modelName);
    const serving = planServingContainer(plan, model, { stepName: job.stepName, resolveImage: this.deps.resolveImage });
    const inputs = await planTransformInputs(context.objectStore, settings.inputUri, settings.dataType);
    const modelDir = await this.stageModel(job, serving.modelDataUrl);
    throwIfStopped(context.signal);

    const port = await (this.options.freePort ?? findFreePort)();
    const running = await this.startServing(job, plan, serving, modelDir, port);
    try {
      const server = (this.options.modelServer ?? httpModelServer)(port);
      await this.awaitPing(job, plan, serving, server, running, port);
      for (const [index, input] of inputs.entries()) {
        await this.transformObject(job, settings, server, running, input, index);
      }
    } finally {
      await running.stop();
    }
  }

  /** Starts the serving container with `serve`, the model at /opt/ml/model, on the host network. */
  private async startServing(job: JobContext, plan: TransformPlan, serving: ServingContainerPlan, modelDir: string, port: number): Promise<RunningContainer> {
    const memoryBytes = this.deps.memoryLimit?.(plan.settings.instanceType);
    const { gpus } = await jobGpus(this.deps, job, plan.settings.instanceType);
    const env = jobEnvironment(this.deps, serving.environment, { SAGEMAKER_BIND_TO_PORT: String(port), ...serving.jobVariables });
    try {
      return await this.deps.runtime.start(
        {
          image: serving.localImage,
          command: ['serve'],
          env,
          mounts: [{ hostPath: modelDir, containerPath: '/opt/ml/model' }],
          labels: jobLabels(job, plan.jobName),
          // The cloud reaches the model even under network isolation; here only host networking can.
          network: 'host',
          ...(memoryBytes === undefined ? {} : { memoryBytes }),
          ...(gpus === undefined ? {} : { gpus }),
        },
        { signal: job.signal, onLog: job.log },
      );
    } catch (error) {
      throwIfStopped(job.signal);
      if (isSagesimError(error) && error.code === 'IMAGE_NOT_FOUND') throw error;
      throw infrastructureFailure(job.stepName, `start the serving container of ${serving.localImage}`, error);
    }
  }

  /** Waits for GET /ping to answer 200; a container that exits or never answers fails the step, saying why. */
  private async awaitPing(job: JobContext, plan: TransformPlan, serving: ServingContainerPlan, server: ModelServer, running: RunningContainer, port: number): Promise<void> {
    const pingTimeoutSeconds = this.options.pingTimeoutSeconds ?? 300;
    const outcome = await waitForPing(server, {
      signal: job.signal,
      timeoutMs: pingTimeoutSeconds * 1000,
      exited: running.exited,
      ...(this.options.clock === undefined ? {} : { clock: this.options.clock }),
      ...(this.options.pingIntervalMs === undefined ? {} : { intervalMs: this.options.pingIntervalMs }),
    });
    if (outcome === 'exited') {
      const exit = await running.exited;
      if (exit.stopped) throw new StoppedError();
      const memoryBytes = this.deps.memoryLimit?.(plan.settings.instanceType);
      throw new StepFailure(
        `${containerFailureReason({ stepName: job.stepName, executionId: job.execution.executionId, imageUri: serving.imageUri, localImage: serving.localImage, exit, ...(memoryBytes === undefined ? {} : { memoryBytes }) })}\nThe serving container (\`serve\`) ended before answering GET /ping.`,
        { code: 'TRANSFORM_CONTAINER_EXITED' },
      );
    }
    if (outcome === 'timeout') {
      throw new StepFailure(
        `AlgorithmError: step "${job.stepName}": the serving container (image ${serving.localImage}) did not answer GET /ping with 200 within ${pingTimeoutSeconds} s. ` +
          `Serving images must listen on the port in SAGEMAKER_BIND_TO_PORT (here ${port}) when started with \`serve\`.${logTail(running.logTail())}\nFull log: ${logsCommand(job.execution.executionId, job.stepName)}`,
        { code: 'TRANSFORM_PING_TIMEOUT' },
      );
    }
  }

  /** Downloads the model artifacts and extracts model.tar.gz into the folder mounted at /opt/ml/model. */
  private async stageModel(job: JobContext, modelDataUrl: string | undefined): Promise<string> {
    const modelDir = path.join(job.workDir, 'model');
    await mkdir(modelDir, { recursive: true });
    if (modelDataUrl === undefined) return modelDir;
    try {
      if (/\.(tar\.gz|tgz)$/.test(modelDataUrl)) {
        const archive = path.join(job.workDir, 'model.tar.gz');
        await downloadFile(job.objectStore, modelDataUrl, archive, { signal: job.signal });
        await extractTar({ file: archive, cwd: modelDir });
        await rm(archive, { force: true });
      } else {
        await downloadPrefix(job.objectStore, modelDataUrl, modelDir, { signal: job.signal });
      }
    } catch (error) {
      throwIfStopped(job.signal);
      if (isSagesimError(error) && ['S3_NOT_FOUND', 'S3_INPUT_NOT_FOUND', 'S3_NO_SUCH_BUCKET'].includes(error.code)) {
        throw new StepFailure(
          `ClientError: step "${job.stepName}": the model's ModelDataUrl ${modelDataUrl} does not exist (in ${job.objectStore.description}); the step that trained the model must run first`,
          { code: 'MODEL_DATA_NOT_FOUND', source: 'user', cause: error },
        );
      }
      if (isSagesimError(error)) throw error;
      throw new StepFailure(`ClientError: step "${job.stepName}": cannot extract the model artifacts ${modelDataUrl}: ${(error as Error).message}`, {
        code: 'MODEL_DATA_INVALID',
        source: 'user',
        cause: error,
      });
    }
    return modelDir;
  }

  /** Sends one input object through the model and uploads its `.out` object. */
  private async transformObject(
    job: JobContext,
    settings: TransformSettings,
    server: ModelServer,
    running: RunningContainer,
    input: TransformInputObject,
    index: number,
  ): Promise<void> {
    const outputUri = transformOutputUri(settings.outputPath, input.relativeKey);
    const localFile = path.join(job.workDir, 'transform-output', `${index}.out`);
    await mkdir(path.dirname(localFile), { recursive: true });
    // One failed batch cancels the requests still in flight for this object.
    const abort = new AbortController();
    const signal = AbortSignal.any([job.signal, abort.signal]);
    const writer = createWriteStream(localFile);
    const inFlight: Promise<Buffer>[] = [];
    let firstFailure: unknown;
    const write = async (chunk: Buffer): Promise<void> => {
      if (!writer.write(chunk)) await new Promise<void>((resolve) => writer.once('drain', () => resolve()));
    };
    const submit = async (batch: Batch<Buffer>): Promise<void> => {
      const result = this.invokeBatch(job, settings, server, running, input, batch, signal);
      result.catch((error: unknown) => {
        firstFailure ??= error;
        abort.abort();
      });
      inFlight.push(result);
      if (inFlight.length >= settings.maxConcurrent) await write(await (inFlight.shift() as Promise<Buffer>));
    };
    try {
      let source: Readable = await job.objectStore.getStream(input.uri);
      if (settings.compression === 'Gzip') source = source.pipe(createGunzip());
      const batcher = new Batcher<Buffer>({ strategy: settings.strategy, maxPayloadBytes: settings.maxPayloadBytes });
      for await (const record of splitRecords(source, settings.splitType)) {
        if (signal.aborted) break;
        for (const batch of batcher.add(filterInput(record, settings.processing), record)) await submit(batch);
      }
      for (const batch of batcher.flush()) await submit(batch);
      while (inFlight.length > 0) await write(await (inFlight.shift() as Promise<Buffer>));
      throwIfStopped(job.signal);
    } catch (caught) {
      abort.abort();
      await Promise.allSettled(inFlight);
      writer.destroy();
      throwIfStopped(job.signal);
      // Requests cancelled because a sibling failed report that sibling's failure.
      const error = firstFailure ?? caught;
      if (isSagesimError(error) && error.source === 'user' && !(error instanceof StepFailure)) {
        throw new SagesimError(error.code, `${input.uri}: ${error.message}`, { source: 'user', cause: error, ...(error.hint ? { hint: error.hint } : {}) });
      }
      throw error;
    }
    writer.end();
    await finished(writer);
    await uploadFileTo(job, localFile, outputUri);
    await rm(localFile, { force: true });
  }

  /** One /invocations request (with the configured retries), turned into the bytes to write. */
  private async invokeBatch(
    job: JobContext,
    settings: TransformSettings,
    server: ModelServer,
    running: RunningContainer,
    input: TransformInputObject,
    batch: Batch<Buffer>,
    signal: AbortSignal,
  ): Promise<Buffer> {
    const records = batch.records.length === 1 ? `record ${batch.firstRecord + 1}` : `records ${batch.firstRecord + 1}-${batch.firstRecord + batch.records.length}`;
    const where = settings.splitType === 'None' ? input.uri : `${records} of ${input.uri}`;
    let lastProblem = '';
    for (let attempt = 0; attempt <= settings.maxRetries; attempt++) {
      let response;
      try {
        response = await server.invoke(
          batch.payload,
          { ...(settings.contentType === undefined ? {} : { contentType: settings.contentType }), ...(settings.accept === undefined ? {} : { accept: settings.accept }) },
          { signal, timeoutMs: settings.timeoutMs },
        );
      } catch (error) {
        throwIfStopped(job.signal);
        if (signal.aborted) throw new SagesimError('TRANSFORM_CANCELLED', 'cancelled after another request failed');
        lastProblem = `the request failed: ${(error as Error).message}`;
        continue;
      }
      if (response.status >= 200 && response.status < 300) return this.assemble(settings, batch, response.body, where);
      lastProblem = `the model answered HTTP ${response.status}: ${snippet(response.body)}`;
      // A client error will not change on a retry.
      if (response.status < 500) break;
    }
    throw new StepFailure(
      `ClientError: step "${job.stepName}": POST /invocations for ${where} failed: ${lastProblem}${logTail(running.logTail())}\nFull log: ${logsCommand(job.execution.executionId, job.stepName)}`,
      { code: 'TRANSFORM_INVOCATION_FAILED', source: 'container' },
    );
  }

  private assemble(settings: TransformSettings, batch: Batch<Buffer>, body: Buffer, where: string): Buffer {
    const lineEnd = settings.assembleWith === 'Line' ? '\n' : '';
    if (!needsPerRecordOutput(settings.processing)) {
      if (lineEnd === '' || body.at(-1) === 0x0a) return body;
      return Buffer.concat([body, Buffer.from(lineEnd)]);
    }
    const outputs = splitResponse(body, batch.records.length, settings.processing.format);
    if (!outputs) {
      throw new SagesimError(
        'TRANSFORM_JOIN_MISMATCH',
        `the model returned ${body.toString('utf8').split(/\r?\n/).filter((l) => l.trim() !== '').length} results for the ${batch.records.length} records of ${where}; JoinSource and OutputFilter need one result per record`,
        { source: 'user', hint: 'make the model answer one line per input line, or use BatchStrategy SingleRecord' },
      );
    }
    const lines = outputs.map((output, i) => assembleRecord(batch.records[i] as Buffer, output, settings.processing));
    return Buffer.from(`${lines.join('\n')}${lineEnd}`);
  }
}

/** User errors from the pure modules become step failures naming the step (as ValidationException / ClientError would). */
function asStepFailure(stepName: string, error: unknown): StepFailure {
  if (error instanceof StepFailure) return error;
  if (isSagesimError(error) && error.source === 'user') {
    const prefix = error.code === 'INVALID_STEP_ARGUMENTS' || error.code === 'INVALID_DATA_PROCESSING_PATH' ? 'ValidationException' : 'ClientError';
    return new StepFailure(`${prefix}: step "${stepName}": ${error.message}${error.hint ? ` (${error.hint})` : ''}`, {
      code: error.code,
      source: 'user',
      cause: error,
    });
  }
  return infrastructureFailure(stepName, 'run the transform job', error);
}

function snippet(body: Buffer): string {
  const text = body.toString('utf8').trim();
  if (text === '') return '(empty body)';
  return JSON.stringify(text.length > 500 ? `${text.slice(0, 500)}...` : text);
}

function logTail(lines: readonly string[]): string {
  const tail = lines.slice(-FAILURE_LOG_LINES);
  return tail.length === 0 ? '' : `\nLast ${tail.length} lines of the serving container's log:\n${tail.map((l) => `  | ${l}`).join('\n')}`;
}
