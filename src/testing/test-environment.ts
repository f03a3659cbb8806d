// The harness users call from their own test suites: an isolated sagesim home, an S3 (embedded
// with Docker, in memory with stubs only), and `run()` with parameters, per-step stubs, fault
// injection and manifest seeding, returning what a test asserts on. `await using` releases it all.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ConfigOverrides, type SagesimConfig, resolveConfig } from '../config.js';
import { type Clock, FakeClock, systemClock } from '../engine/clock.js';
import { checkDefinitionLimits } from '../engine/definition-limits.js';
import type { ParameterValue, PipelineDefinition } from '../engine/definition-types.js';
import { type Reporter, combineReporters } from '../engine/events.js';
import type { ExecutionRecord } from '../engine/execution-record.js';
import type { JsonValue } from '../engine/json.js';
import { buildGraph } from '../engine/graph.js';
import { parseDefinition } from '../engine/load-definition.js';
import { readDefinitionText } from '../app/definition-file.js';
import { defaultPipelineName } from '../engine/pipeline-name.js';
import { planLaunch } from '../app/plan-launch.js';
import { type RunPipelineBase, runPipeline } from '../app/run-pipeline.js';
import type { ExecutorTable } from '../steps/executor.js';
import { DefinitionError, SagesimError } from '../errors.js';
import { findManifestFor, loadManifest, seedManifest } from '../fixtures/manifest.js';
import { type RunEnvironment, createRunEnvironment } from '../runtime/create-environment.js';
import { prepareRun } from '../runtime/prepare-run.js';
import { type Releaser, releaseAll } from '../runtime/release-all.js';
import type { StubOptions, StubSpec } from '../steps/stub-executor.js';
import type { FaultSpec } from '../app/fault-injection.js';
import { type TestRunResult, testRunResult } from './test-run-result.js';
import { type TestS3, testS3 } from './test-s3.js';
import { hintInMessage, withHintsInMessages } from './hint-in-message.js';

export interface TestEnvironmentOptions {
  /**
   * Run job steps in real containers (Docker, sagesim's images, the embedded S3). Without it every
   * job step is a stub unless `run()` says otherwise, S3 is in memory, and nothing touches Docker.
   * @default false
   */
  readonly docker?: boolean;
  /** The sagesim home (executions, model registry, S3 data). @default a new temporary folder, removed by dispose() */
  readonly home?: string;
  /** Configuration as `sagesim.config.json` would give it (image mappings, Lambda handlers, region...). */
  readonly config?: Omit<ConfigOverrides, 'home' | 'mock' | 'configFile'>;
  /**
   * Time. `fake`: retry back-off and other waits pass instantly (a FakeClock driven to the end of
   * each run); `real`: wall-clock time. @default 'fake' without Docker, 'real' with Docker
   */
  readonly time?: 'fake' | 'real';
  /** Told about every run's events (e.g. to print progress while debugging a test). */
  readonly reporter?: Reporter;
}

/** A stub for one step: its properties, property files, output parameters, and optionally a failure. */
export interface TestStub {
  /** Merged over the properties a real job would report (objects merge, other values replace). */
  readonly properties?: StubSpec['properties'];
  /** Content of each declared property file, by PropertyFileName (written where the job would write it). */
  readonly propertyFiles?: StubSpec['propertyFiles'];
  /** Lambda / Callback output parameters. */
  readonly outputParameters?: StubSpec['outputParameters'];
  /** Training metrics by name (FinalMetricDataList), over the plausible values stubs report by default. */
  readonly metrics?: StubSpec['metrics'];
  /** What a `@step` function step returns (its results.json, read by Std:JsonGet downstream). */
  readonly result?: StubSpec['result'];
  /** Make the stub fail: every attempt, or its first `times`. */
  readonly fail?: FaultSpec;
}

export interface TestRunOptions {
  /** Parameter values (strings are converted to the declared types, as `--param` does). @default the defaults */
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
  /** Steps that run as stubs, by name. */
  readonly stubs?: Readonly<Record<string, TestStub>>;
  /** Stub every job step (Condition and Fail steps always run). @default true without Docker, false with it */
  readonly stubAll?: boolean;
  /**
   * Steps that fail on their first attempts with a given exception type, then run as they would
   * (stubs included), to exercise RetryPolicies.
   */
  readonly faults?: Readonly<Record<string, FaultSpec>>;
  /**
   * Place a fixture manifest's objects in S3 before running: `true` for the `manifest.json`
   * beside the definition file, or the manifest's path. @default true with Docker and a file, else false
   */
  readonly seed?: boolean | string;
  /** @default the DescribePipeline name, Metadata.PipelineName, the file's base name, or `test-pipeline` */
  readonly pipelineName?: string;
  /** Selective execution: run only these steps, the others' results taken from `from`. */
  readonly steps?: readonly string[];
  /** The source of a selective execution: an earlier result, or an execution id / ARN / prefix. */
  readonly from?: TestRunResult | string;
  /** Honour CacheConfig. @default true */
  readonly cache?: boolean;
  /** Steps running at once at most. @default the configuration's */
  readonly maxParallel?: number;
  /** Told about this run's events, besides the environment's reporter. */
  readonly reporter?: Reporter;
  /** Abort to stop the execution. */
  readonly signal?: AbortSignal;
}

/** What a retry can change: how its steps run (the definition and parameters are the execution's). */
export type TestRetryOptions = Pick<TestRunOptions, 'stubs' | 'stubAll' | 'faults' | 'maxParallel' | 'reporter' | 'signal'>;

export interface TestEnvironment extends AsyncDisposable {
  /** The isolated home of this environment. */
  readonly home: string;
  readonly config: SagesimConfig;
  /** The environment's S3. */
  readonly s3: TestS3;
  /** Runs a definition (a file path, or the definition object) to its end. */
  run(definition: string | PipelineDefinition, options?: TestRunOptions): Promise<TestRunResult>;
  /**
   * RetryPipelineExecution: a Failed or Stopped execution (a result, or an id / ARN / prefix) runs
   * again in place, as `sagesim retry` does: what succeeded is kept, the rest runs again.
   */
  retry(execution: TestRunResult | string, options?: TestRetryOptions): Promise<TestRunResult>;
  /** Every execution of this environment, newest first. */
  executions(): Promise<ExecutionRecord[]>;
  /** Stops S3, removes the temporary home (when the environment made it). Idempotent. */
  dispose(): Promise<void>;
}

/** Creates an isolated environment; release it with `await using` or `dispose()`. */
export async function createTestEnvironment(options: TestEnvironmentOptions = {}): Promise<TestEnvironment> {
  const docker = options.docker === true;
  const ownHome = options.home === undefined;
  const home = options.home ?? (await mkdtemp(path.join(tmpdir(), 'sagesim-test-')));
  const releasers: Releaser[] = [];
  if (ownHome) releasers.push(() => rm(home, { recursive: true, force: true }));
  try {
    const config = resolveConfig({ ...options.config, cwd: options.config?.cwd ?? process.cwd(), home, mock: true }, {});
    const useFakeTime = (options.time ?? (docker ? 'real' : 'fake')) === 'fake';
    const clock: Clock = useFakeTime ? new FakeClock(new Date()) : systemClock;
    const env = await createRunEnvironment(config, {
      objectStore: docker ? 'config' : 'memory',
      clock,
      ...(options.reporter ? { reporter: options.reporter } : {}),
    });
    // Stops the embedded S3; every step's container is removed by the runtime when the step ends.
    releasers.push(async () => {
      await env[Symbol.asyncDispose]();
    });

    let disposed: Promise<void> | undefined;
    const dispose = (): Promise<void> => (disposed ??= releaseAll(releasers));
    return {
      home,
      config,
      s3: testS3(env.objectStore),
      run: (definition, runOptions = {}) => withHintsInMessages(() => runInEnvironment(env, { docker, clock, reporter: options.reporter }, definition, runOptions)),
      retry: (execution, retryOptions = {}) => withHintsInMessages(() => retryInEnvironment(env, { docker, clock, reporter: options.reporter }, execution, retryOptions)),
      executions: () => env.store.list(),
      dispose,
      [Symbol.asyncDispose]: dispose,
    };
  } catch (error) {
    await releaseAll(releasers).catch(() => undefined);
    throw hintInMessage(error);
  }
}

interface HarnessState {
  readonly docker: boolean;
  readonly clock: Clock;
  readonly reporter: Reporter | undefined;
}

async function runInEnvironment(env: RunEnvironment, state: HarnessState, input: string | PipelineDefinition, options: TestRunOptions): Promise<TestRunResult> {
  const file = typeof input === 'string' ? path.resolve(input) : undefined;
  if (file === undefined) {
    // Checked before JSON.stringify, which would overflow the stack on a very deep object.
    const limits = checkDefinitionLimits(input as unknown as JsonValue);
    if (limits.length > 0) throw new DefinitionError(limits, 'definition');
  }
  const text = file === undefined ? JSON.stringify(input) : await readDefinitionText(file);
  const definition = parseDefinition(text, file ?? 'definition');
  const pipelineName = options.pipelineName ?? (file === undefined ? metadataName(definition) : defaultPipelineName(file, definition, text));

  const stubAll = options.stubAll ?? !state.docker;
  const stubs = stubOptions(options, stubAll);
  const seed = options.seed ?? (state.docker && file !== undefined);
  if (seed !== false) await seedFor(env, seed, file);
  const reporter = combineReporters(state.reporter, options.reporter);
  // Faults naming unknown steps are refused before Docker is asked or an image is built.
  checkFaultNames(options.faults ?? {}, definition);
  await prepareRun(env, { definition, stubs, reporter, ...(options.parameters ? { parameters: options.parameters } : {}) });

  const source = options.from === undefined ? undefined : typeof options.from === 'string' ? await env.store.find(options.from) : (options.from.record as ExecutionRecord);
  if (source !== undefined && options.steps === undefined) {
    throw new SagesimError('TEST_FROM_WITHOUT_STEPS', '`from` needs `steps`: the steps to run again', { source: 'user' });
  }
  const plan = planLaunch(definition, pipelineName, options.steps === undefined ? { kind: 'fresh' } : { kind: 'selective', steps: options.steps, ...(source ? { source } : {}) });

  return execute(env, state, options, {
    definition,
    executors: env.executors,
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.parameters ? { parameters: options.parameters } : {}),
    pipelineName,
    stubs,
    reporter,
    ...plan,
  });
}

async function retryInEnvironment(env: RunEnvironment, state: HarnessState, target: TestRunResult | string, options: TestRetryOptions): Promise<TestRunResult> {
  const record = await env.store.find(typeof target === 'string' ? target : target.executionId);
  const plan = planLaunch(record.definition, record.pipelineName, { kind: 'retry', execution: record });
  const stubs = stubOptions(options, options.stubAll ?? !state.docker);
  const reporter = combineReporters(state.reporter, options.reporter);
  checkFaultNames(options.faults ?? {}, record.definition);
  // Its succeeded steps are reused: a full preflight would judge inputs they no longer need.
  await prepareRun(env, { definition: record.definition, stubs, reporter, checks: 'step-types' });
  return execute(env, state, options, {
    definition: record.definition,
    executors: env.executors,
    ...(options.faults ? { faults: options.faults } : {}),
    parameters: record.parameters,
    pipelineName: record.pipelineName,
    ...(record.displayName === undefined ? {} : { displayName: record.displayName }),
    stubs,
    reporter,
    ...plan,
  });
}

/** Runs one planned execution in the environment's store, on its clock, and reads the result. */
async function execute(
  env: RunEnvironment,
  state: HarnessState,
  options: Pick<TestRunOptions, 'cache' | 'maxParallel' | 'signal'>,
  run: Omit<RunPipelineBase, 'config' | 'objectStore' | 'store' | 'clock'> & { readonly executors: ExecutorTable; readonly stubs: StubOptions },
): Promise<TestRunResult> {
  const config = {
    ...env.config,
    ...(options.cache === undefined ? {} : { cache: options.cache }),
    ...(options.maxParallel === undefined ? {} : { maxParallel: options.maxParallel }),
  };
  if (state.clock instanceof FakeClock) {
    // Fake time still moves forward between runs, so executions sort by start as they ran.
    await state.clock.advance(Math.max(1, Date.now() - state.clock.now().getTime()));
  }
  const running = runPipeline({
    ...run,
    config,
    objectStore: env.objectStore,
    store: env.store,
    clock: state.clock,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const record = state.clock instanceof FakeClock ? await state.clock.runUntilSettled(running) : await running;
  await env.store.flush();
  return testRunResult(record, env.store.executionDir(record.executionId));
}

/** Stubs as the engine takes them; a fault on a stubbed step becomes that stub's failure. */
function stubOptions(options: Pick<TestRunOptions, 'stubs' | 'faults'>, all: boolean): StubOptions {
  const steps: Record<string, StubSpec> = { ...options.stubs };
  for (const [name, fault] of Object.entries(options.faults ?? {})) {
    const stub = steps[name];
    if (all || stub !== undefined) steps[name] = { ...stub, fail: stub?.fail ?? fault };
  }
  return { all, steps };
}

/** Faults name steps of the pipeline (the launcher makes them fail; stubbed ones fail through their stub). */
function checkFaultNames(faults: Readonly<Record<string, FaultSpec>>, definition: PipelineDefinition): void {
  const names = Object.keys(faults);
  if (names.length === 0) return;
  const known = buildGraph(definition).nodes;
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new SagesimError('TEST_UNKNOWN_STEP', `faults name steps the pipeline does not have: ${unknown.join(', ')}`, {
      source: 'user',
      hint: `steps are: ${[...known.keys()].join(', ')}`,
    });
  }
}

async function seedFor(env: RunEnvironment, seed: true | string, file: string | undefined): Promise<void> {
  const manifestFile = typeof seed === 'string' ? path.resolve(seed) : file === undefined ? undefined : findManifestFor(file);
  if (manifestFile === undefined) {
    throw new SagesimError('TEST_NO_MANIFEST', file === undefined ? '`seed: true` needs a definition file (or give the manifest path)' : `no manifest.json beside ${file}`, {
      source: 'user',
      hint: 'give seed the path of a manifest, e.g. seed: "fixtures/housing/manifest.json"',
    });
  }
  await seedManifest(loadManifest(manifestFile), env.objectStore);
}

function metadataName(definition: PipelineDefinition): string {
  const name = definition.Metadata?.['PipelineName'];
  return typeof name === 'string' && name !== '' ? name : 'test-pipeline';
}
