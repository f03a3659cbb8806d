// What a transform job sends its serving container: every input object split into records,
// filtered, batched and POSTed to /invocations (up to MaxConcurrentTransforms at once, retried as
// configured), the answers assembled in input order into `<S3OutputPath>/<relative key>.out`.
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { SagesimError, StepFailure, isSagesimError } from '../errors.js';
import { logsCommand } from './failure-reason.js';
import { throwIfStopped, uploadFileTo, type JobContext } from './job-container.js';
import { servingLogTail, type ServingSession } from './serve-phase.js';
import { type Batch, Batcher } from './transform-batching.js';
import { assembleRecord, filterInput, needsPerRecordOutput, splitResponse } from './transform-filters.js';
import { type TransformInputObject, transformOutputUri } from './transform-layout.js';
import type { TransformSettings } from './transform-settings.js';
import { splitRecords } from './transform-split.js';

/** One object being transformed: the job, its settings, the ready container and the object. */
interface ObjectWork {
  readonly job: JobContext;
  readonly settings: TransformSettings;
  readonly session: ServingSession;
  readonly input: TransformInputObject;
}

/** Sends every input object through the model, in order, uploading each `.out` object when it is written. */
export async function transformObjects(job: JobContext, settings: TransformSettings, session: ServingSession, inputs: readonly TransformInputObject[]): Promise<void> {
  for (const [index, input] of inputs.entries()) {
    await transformObject({ job, settings, session, input }, index);
  }
}

/** Sends one input object through the model and uploads its `.out` object. */
async function transformObject(work: ObjectWork, index: number): Promise<void> {
  const { job, settings, input } = work;
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
    const result = invokeBatch(work, batch, signal);
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
    throw namingInput(input, firstFailure ?? caught);
  }
  writer.end();
  await finished(writer);
  await uploadFileTo(job, localFile, outputUri);
  await rm(localFile, { force: true });
}

/** A user error about the data names the object it came from. */
function namingInput(input: TransformInputObject, error: unknown): unknown {
  if (isSagesimError(error) && error.source === 'user' && !(error instanceof StepFailure)) {
    return new SagesimError(error.code, `${input.uri}: ${error.message}`, { source: 'user', cause: error, ...(error.hint ? { hint: error.hint } : {}) });
  }
  return error;
}

/** One /invocations request (with the configured retries), turned into the bytes to write. */
async function invokeBatch(work: ObjectWork, batch: Batch<Buffer>, signal: AbortSignal): Promise<Buffer> {
  const { job, settings, session, input } = work;
  const records = batch.records.length === 1 ? `record ${batch.firstRecord + 1}` : `records ${batch.firstRecord + 1}-${batch.firstRecord + batch.records.length}`;
  const where = settings.splitType === 'None' ? input.uri : `${records} of ${input.uri}`;
  let lastProblem = '';
  let unreachable = false;
  for (let attempt = 0; attempt <= settings.maxRetries; attempt++) {
    let response;
    unreachable = false;
    try {
      response = await session.server.invoke(
        batch.payload,
        { ...(settings.contentType === undefined ? {} : { contentType: settings.contentType }), ...(settings.accept === undefined ? {} : { accept: settings.accept }) },
        { signal, timeoutMs: settings.timeoutMs },
      );
    } catch (error) {
      throwIfStopped(job.signal);
      if (signal.aborted) throw new SagesimError('TRANSFORM_CANCELLED', 'cancelled after another request failed');
      lastProblem = `the request failed: ${(error as Error).message}`;
      unreachable = true;
      continue;
    }
    if (response.status >= 200 && response.status < 300) return assemble(settings, batch, response.body, where);
    lastProblem = `the model answered HTTP ${response.status}: ${snippet(response.body)}`;
    // A client error will not change on a retry.
    if (response.status < 500) break;
  }
  // Nobody listening: the container may have died. Its exit, once reported, explains this failure.
  if (unreachable) await session.gone();
  throw new StepFailure(
    `ClientError: step "${job.stepName}": POST /invocations for ${where} failed: ${lastProblem}${servingLogTail(session.running.logTail())}\nFull log: ${logsCommand(job.execution.executionId, job.stepName)}`,
    { code: 'TRANSFORM_INVOCATION_FAILED', source: 'container' },
  );
}

/** The model's answer to a batch as it goes into the output: whole, or joined and filtered per record. */
function assemble(settings: TransformSettings, batch: Batch<Buffer>, body: Buffer, where: string): Buffer {
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

function snippet(body: Buffer): string {
  const text = body.toString('utf8').trim();
  if (text === '') return '(empty body)';
  return JSON.stringify(text.length > 500 ? `${text.slice(0, 500)}...` : text);
}
