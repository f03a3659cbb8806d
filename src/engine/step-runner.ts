// Runs one step of an execution: resolves its arguments, answers from the cache when it may,
// otherwise hands it to its executor (or a stub) under its retry policies, then reads the
// property files it declares. Every state change lands in the step's record and the reporter.
import { SagesimError, StepFailure, StoppedError } from '../errors.js';
import type { ObjectStore } from '../ports/object-store.js';
import { controlArguments, conditionOutcome } from './control-steps.js';
import { type CacheEntry, type CacheSource, cacheKeyFor, cachePolicyFor, decideCache } from './cache.js';
import { hashJson } from './canonical-json.js';
import { type InputSnapshot, snapshotInputs, stepInputs } from './step-reads.js';
import type { Clock } from './clock.js';
import type { PipelineStep, RetryPolicy } from './definition-types.js';
import type { Reporter } from './events.js';
import { type ExecutionRecord, type StepRecord, stubbedSteps } from './execution-record.js';
import type { ExecutionStore } from './execution-store.js';
import { resolveValue } from './expressions.js';
import { jobNameFor } from './identity.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import type { ExecutionIdentity, ResolveContext, StepOutputs } from './resolve-context.js';
import { runWithRetries } from './retry.js';
import { executeAttempt, stepContextFor } from './step-attempt.js';
import { isControlStep, type StepAssignment, type StepContext, type StepResult } from './step-executor.js';

/** What running one step needs from the execution around it. */
export interface StepRunEnvironment {
  readonly identity: ExecutionIdentity;
  readonly record: ExecutionRecord;
  readonly objectStore: ObjectStore;
  readonly store: ExecutionStore;
  readonly reporter: Reporter;
  readonly clock: Clock;
  /** Aborted when the execution stops. */
  readonly signal: AbortSignal;
  /** False under `--no-cache`. */
  readonly cacheEnabled: boolean;
  /**
   * `content`: a cache entry is reused only when the objects its step read are unchanged;
   * `arguments` (`--cache-like-cloud`): as the cloud, arguments alone decide. @default 'content'
   */
  readonly cacheMode?: 'content' | 'arguments';
  readonly resolveContext: (currentStep?: ResolveContext['currentStep']) => ResolveContext;
  /** Saves the record (coalesced) after a change. */
  readonly persist: () => void;
  /** Random source for job names. */
  readonly random?: () => number;
}

export interface StepRunOutcome {
  readonly status: 'Succeeded' | 'Failed' | 'Stopped';
  readonly outputs?: StepOutputs;
  /** The outcome of a Condition step that succeeded. */
  readonly outcome?: boolean;
}

interface AttemptResult {
  readonly result: StepResult;
  readonly propertyFiles: Record<string, JsonValue>;
  readonly cacheHit?: CacheEntry;
  readonly cacheKey?: string;
  /** What the attempt read, recorded with its cache entry. */
  readonly reads?: readonly InputSnapshot[];
}

/** One step's run: what its attempts share. */
interface StepRun {
  readonly env: StepRunEnvironment;
  readonly step: PipelineStep;
  readonly assignment: StepAssignment;
  readonly rec: StepRecord;
  readonly log: ReturnType<ExecutionStore['openStepLog']>;
  readonly cachePolicy: ReturnType<typeof cachePolicyFor>;
  /** Under --no-cache a cacheable step does not read the cache but still records its result, so the next cached run finds the freshest one. */
  readonly recordsCache: boolean;
  readonly stubbed: boolean;
  /** Stub results are cached apart: they serve only a step stubbed the same way, never a real one. */
  readonly source: CacheSource;
}

/** Runs `step` as `assignment` says; `rec` is its record, already in the execution's step list. */
export async function runStep(env: StepRunEnvironment, step: PipelineStep, assignment: StepAssignment, rec: StepRecord): Promise<StepRunOutcome> {
  const { reporter, clock, identity } = env;
  const run: StepRun = {
    env,
    step,
    assignment,
    rec,
    log: env.store.openStepLog(identity.executionId, step.Name),
    cachePolicy: cachePolicyFor(step, env.cacheEnabled),
    recordsCache: cachePolicyFor(step, true).enabled,
    stubbed: assignment.stub !== undefined,
    source: assignment.stub ? { kind: 'stub', spec: hashJson(assignment.stub.spec) } : { kind: 'real' },
  };
  const policies: readonly RetryPolicy[] = 'RetryPolicies' in step ? (step.RetryPolicies ?? []) : [];
  rec.startTime = clock.now().toISOString();
  if (run.stubbed) rec.stubbed = true;
  const outcome = await runWithRetries((n) => runAttempt(run, n), {
    policies,
    stepType: step.Type,
    clock,
    signal: env.signal,
    onFailure: ({ error, decision }) => {
      if (!decision.retry) return;
      rec.failureReason = failureReason(error);
      env.persist();
      reporter.stepFailed?.({ executionId: identity.executionId, step: rec, willRetry: true, retryInSeconds: decision.delayMs / 1000 });
    },
  });
  await run.log.close().catch((error: unknown) => reporter.warning?.({ executionId: identity.executionId, stepName: step.Name, code: 'STEP_LOG_CLOSE_FAILED', message: (error as Error).message }));
  rec.attemptCount = outcome.attempts;
  rec.endTime = clock.now().toISOString();
  return outcome.ok ? recordSucceeded(run, outcome.value) : recordFailed(run, outcome.error);
}

async function runAttempt(run: StepRun, n: number): Promise<AttemptResult> {
  const { env, step, rec } = run;
  rec.attemptCount = n;
  rec.status = 'Executing';
  rec.failureReason = undefined;
  env.persist();
  env.reporter.stepStarted?.({ executionId: env.identity.executionId, step: rec, attempt: n });
  const jobName = jobNameFor(env.identity, step.Name, n, env.random);
  const args = await resolveArguments(env, step, jobName);
  rec.resolvedArguments = args;
  const hit = n === 1 ? await lookUpCache(run, args) : undefined;
  if (hit) return hit;
  // Taken before the job starts: what it is about to read. A store that cannot be listed costs
  // the entry its reuse (content mode), not the step its run.
  const reads = run.recordsCache && !run.stubbed ? await snapshotInputs(env.objectStore, stepInputs(step, args)).catch(() => undefined) : [];
  const { result, propertyFiles } = await executeAttempt(run.assignment.runner, await attemptContext(run, n, jobName, args));
  return { result, propertyFiles, cacheKey: run.recordsCache ? cacheKeyFor(step, args) : undefined, ...(reads ? { reads } : {}) };
}

/** A cache hit as the attempt's result, or undefined (the miss's reason recorded and reported). */
async function lookUpCache(run: StepRun, args: JsonObject): Promise<AttemptResult | undefined> {
  const { env, step, rec, cachePolicy } = run;
  const key = cacheKeyFor(step, args);
  if (key === undefined || !cachePolicy.enabled) return undefined;
  const decision = await decideCache(env.store, {
    pipelineName: env.identity.pipelineName,
    stepName: step.Name,
    key,
    now: env.clock.now(),
    expireAfterMs: cachePolicy.expireAfterMs,
    source: run.source,
    mode: env.cacheMode ?? 'content',
    snapshot: (reads) => snapshotInputs(env.objectStore, reads),
  });
  const hit = decision.hit;
  if (hit) return { result: { properties: hit.properties, metadata: hit.metadata, outputParameters: hit.outputParameters }, propertyFiles: { ...hit.propertyFiles }, cacheHit: hit, cacheKey: key };
  if (decision.reason !== undefined) {
    rec.cacheMissReason = decision.reason;
    env.persist();
    env.reporter.warning?.({ executionId: env.identity.executionId, stepName: step.Name, code: 'CACHE_MISS', message: decision.reason });
  }
  return undefined;
}

async function attemptContext(run: StepRun, n: number, jobName: string, args: JsonObject): Promise<StepContext> {
  const { env, step, rec, log } = run;
  return stepContextFor({
    execution: env.identity,
    step,
    arguments: args,
    jobName,
    attempt: n,
    signal: env.signal,
    objectStore: env.objectStore,
    log: {
      path: log.path,
      write: (line) => {
        rec.logFile ??= log.relativePath;
        log.write(line);
      },
    },
    workDir: await env.store.stepWorkDir(env.identity.executionId, step.Name, n, { create: !run.stubbed }),
    reporter: env.reporter,
    stubbedSteps: stubbedSteps(env.record),
    reportMetadata: (metadata) => {
      rec.metadata = { ...rec.metadata, ...metadata };
      env.persist();
    },
  });
}

async function recordSucceeded(run: StepRun, value: AttemptResult): Promise<StepRunOutcome> {
  const { env, step, rec } = run;
  const { result, propertyFiles, cacheHit, cacheKey, reads } = value;
  rec.status = 'Succeeded';
  rec.failureReason = undefined;
  rec.properties = result.properties;
  rec.metadata = { ...result.metadata };
  if (Object.keys(propertyFiles).length > 0) rec.propertyFiles = propertyFiles;
  if (result.outputParameters && Object.keys(result.outputParameters).length > 0) rec.outputParameters = { ...result.outputParameters };
  const outputs: StepOutputs = {
    stepType: step.Type,
    properties: result.properties,
    propertyFiles,
    outputParameters: result.outputParameters ?? {},
  };
  if (cacheHit) {
    rec.cacheHit = { sourcePipelineExecutionArn: cacheHit.executionArn, sourceStepName: cacheHit.stepName };
    env.persist();
    env.reporter.stepCached?.({ executionId: env.identity.executionId, step: rec });
  } else {
    if (cacheKey !== undefined) await recordCache(env, step, rec, cacheKey, outputs, { reads, source: run.source });
    env.persist();
    env.reporter.stepSucceeded?.({ executionId: env.identity.executionId, step: rec });
  }
  return { status: 'Succeeded', outputs, outcome: conditionOutcome(step, result.properties) };
}

function recordFailed(run: StepRun, error: unknown): StepRunOutcome {
  const { env, rec } = run;
  const stopped = error instanceof StoppedError || env.signal.aborted;
  rec.status = stopped ? 'Stopped' : 'Failed';
  const reason = stopped && !(error instanceof StepFailure) ? undefined : failureReason(error);
  // A Fail step with no ErrorMessage has no FailureReason in the cloud.
  rec.failureReason = reason === '' ? undefined : reason;
  if (error instanceof StepFailure) {
    if (error.metadata) rec.metadata = { ...rec.metadata, ...error.metadata };
    if (error.properties) rec.properties = error.properties;
  }
  env.persist();
  if (stopped) env.reporter.stepStopped?.({ executionId: env.identity.executionId, step: rec });
  else env.reporter.stepFailed?.({ executionId: env.identity.executionId, step: rec, willRetry: false });
  return { status: rec.status };
}

/** Arguments with every expression resolved; for control steps what controlArguments says. */
async function resolveArguments(env: StepRunEnvironment, step: PipelineStep, jobName: string): Promise<JsonObject> {
  const ctx = env.resolveContext({ name: step.Name, type: step.Type, jobName });
  const source: JsonValue = isControlStep(step) ? controlArguments(step) : (step.Arguments as unknown as JsonValue);
  const resolved = await resolveValue(source ?? {}, ctx);
  return isJsonObject(resolved) ? resolved : {};
}

async function recordCache(
  env: StepRunEnvironment,
  step: PipelineStep,
  rec: StepRecord,
  key: string,
  outputs: StepOutputs,
  origin: { readonly reads: readonly InputSnapshot[] | undefined; readonly source: CacheSource },
): Promise<void> {
  try {
    await env.store.recordCacheEntry({
      pipelineName: env.identity.pipelineName,
      key,
      stepName: step.Name,
      stepType: step.Type,
      executionId: env.identity.executionId,
      executionArn: env.identity.executionArn,
      finishedAt: rec.endTime ?? env.clock.now().toISOString(),
      properties: outputs.properties,
      propertyFiles: outputs.propertyFiles,
      outputParameters: outputs.outputParameters,
      metadata: rec.metadata,
      ...(origin.reads ? { reads: origin.reads } : {}),
      ...(origin.source.kind === 'stub' ? { stub: { spec: origin.source.spec } } : {}),
    });
  } catch (error) {
    // A cache that cannot be written costs a later run time, not this run its result.
    env.reporter.warning?.({ executionId: env.identity.executionId, stepName: step.Name, code: 'CACHE_RECORD_FAILED', message: `cannot record cache entry: ${(error as Error).message}` });
  }
}

/** The text a failed step shows as its FailureReason. */
export function failureReason(error: unknown): string {
  if (error instanceof StepFailure) return error.message;
  if (error instanceof SagesimError) return error.hint ? `${error.message} (${error.hint})` : error.message;
  if (error instanceof Error) return `internal error: ${error.message}`;
  return String(error);
}
