// `sagesim reproduce`: runs one job step of an earlier execution again, alone, exactly as it ran
// (same image, resolved arguments, environment, /opt/ml layout, the same inputs staged from S3),
// through the launcher's single-step launch (launch-step.ts: the step type's own executor, the
// scheduler's StepContext, the pipeline's property-file rules), in a folder the user can inspect.
// Outputs are written under that folder, never over the original execution's outputs, unless
// `upload` is asked for. Where the job is read from is in reproduce/ (local or cloud source).
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { SagesimConfig } from '../config.js';
import type { PipelineStep } from '../engine/definition-types.js';
import { type Reporter, combineReporters } from '../engine/events.js';
import { FileExecutionStore } from '../store/file-execution-store.js';
import { safeFileName } from '../store/store-layout.js';
import { type JsonObject, type JsonValue, isJsonObject } from '../engine/json.js';
import { SagesimError, StepFailure, StoppedError, assertNever } from '../errors.js';
import { MANIFEST_FILE_NAME, findManifestFor, loadManifest, seedManifest } from '../fixtures/manifest.js';
import { saveModel } from '../mock-aws/model-store.js';
import { DUMMY_CREDENTIALS } from '../mock-aws/s3-client.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { ContainerEngine, ContainerSpec } from '../ports/container-engine.js';
import { dockerEngineFor } from '../adapters/docker/docker-engine.js';
import type { AttemptOutcome } from '../engine/step-attempt.js';
import { type JobDescriber, type SdkDescriberOptions, cloudSource, createSdkDescriber } from '../reproduce/cloud-source.js';
import { reproductionObjectStore, type ReproductionObjectStore } from '../reproduce/reproduction-object-store.js';
import { ReproductionRuntime, type ShellOpener, shellSessionIn } from '../reproduce/reproduction-runtime.js';
import { type ReproductionSource, localSource } from '../reproduce/reproduction-source.js';
import { launchStep } from './launch-step.js';

/** Where the execution ran. */
export type ReproductionOrigin =
  /** An execution in the local store (`config.home`), named by id, ARN or unique prefix. */
  | { readonly kind: 'local' }
  /**
   * A SageMaker execution (or one of `sagesim serve`), named by its full ARN. Its S3 is the
   * configuration's (`config.s3`: the endpoint, or AWS S3).
   */
  | {
      readonly kind: 'cloud';
      readonly endpoint?: string;
      /**
       * `dummy`: sagesim's fixed credentials (a `sagesim serve` or other local endpoint; its job
       * containers get them too); `default`: the SDK's standard chain. @default 'default'
       */
      readonly credentials?: 'dummy' | 'default';
      /**
       * A named profile of ~/.aws/config and ~/.aws/credentials for SageMaker and S3 (`--profile`),
       * with `default` credentials. @default AWS_PROFILE, else `default`
       */
      readonly profile?: string;
      /** Test seam: the SageMaker calls. */
      readonly describer?: JobDescriber;
    };

export interface ReproduceStepOptions {
  readonly config: SagesimConfig;
  /** The execution: id, ARN or unique prefix (local), the full execution ARN (cloud). */
  readonly execution: string;
  /** The step's name (any case, or a unique prefix). */
  readonly step: string;
  /** @default { kind: 'local' } */
  readonly origin?: ReproductionOrigin;
  /** The reproduction's folder. @default `<home>/reproductions/<execution>-<step>-<time>` */
  readonly dir?: string;
  /** Keep the staged inputs after a successful run (they are always kept after a failure). @default false */
  readonly keep?: boolean;
  /**
   * Upload the outputs to their S3 locations, over the original execution's outputs, as the job
   * did. @default false: outputs are written under `<dir>/outputs/<bucket>/<key>`
   */
  readonly upload?: boolean;
  /**
   * Place a fixture manifest's objects in S3 first (after editing a script it uploads): a
   * manifest.json, or a pipeline definition with one beside it.
   */
  readonly seed?: string;
  /** Open an interactive shell in the job's container instead of running its command. */
  readonly shell?: ShellOpener;
  /** Each line of the container's output (also written to `<dir>/container.log`). */
  readonly onLine?: (line: string) => void;
  /** Called once the folder is made, before inputs are staged. */
  readonly onPrepared?: (prepared: { readonly dir: string; readonly source: ReproductionSource }) => void;
  /** Told about slow preparation (starting S3, building images), warnings and (stepLog) each line of the job's output. */
  readonly reporter?: Reporter;
  /** Aborting stops the container. */
  readonly signal?: AbortSignal;
  /** Test seam. @default the Docker engine of config.dockerSocket */
  readonly runtime?: ContainerEngine;
  /** Test seam: the S3 the inputs are read from. @default built from the configuration */
  readonly objectStore?: ObjectStore;
}

export interface ReproductionOutput {
  readonly uri: string;
  /** The local file holding it (undefined when uploaded). */
  readonly file?: string;
}

export interface ReproductionResult {
  /** `Shell`: the user's shell session ended; the job's command was not run by sagesim. */
  readonly status: 'Succeeded' | 'Failed' | 'Stopped' | 'Shell';
  readonly dir: string;
  readonly source: ReproductionSource;
  /** The job container's exit code (the shell's with `--shell`), when it ran. */
  readonly exitCode?: number;
  readonly failureReason?: string;
  /** The failure's code, as a pipeline run would record it (`STEP_FAILED`, `PROPERTY_FILE_NOT_FOUND`...). */
  readonly failureCode?: string;
  /** The container as it was run: image (local tag), command, environment, mounts. */
  readonly container?: ContainerSpec;
  /** What the job wrote. */
  readonly outputs: readonly ReproductionOutput[];
  /** Property files the step declares, read from the reproduction's outputs. */
  readonly propertyFiles: Readonly<Record<string, JsonValue>>;
  /** The container's output. */
  readonly logFile: string;
  /** Whether the outputs went to S3 over the original ones. */
  readonly uploaded: boolean;
}

export async function reproduceStep(options: ReproduceStepOptions): Promise<ReproductionResult> {
  const origin = options.origin ?? { kind: 'local' };
  const source = await readSource(options, origin);
  const dir = path.resolve(options.dir ?? path.join(options.config.home, 'reproductions', `${source.execution.executionId}-${safeFileName(source.step.Name)}-${stamp()}`));
  await mkdir(dir, { recursive: true });
  const config = reproductionConfig(options.config, origin, dir);
  if (source.model) await saveModel(config.home, source.model);
  options.onPrepared?.({ dir, source });

  const runtime = new ReproductionRuntime(options.runtime ?? dockerEngineFor(config), options.shell);
  const upload = options.upload === true;
  const logFile = path.join(dir, 'container.log');
  let outputStore: ReproductionObjectStore | undefined;
  const seedFile = options.seed;
  const launch = launchStep({
    config,
    job: source,
    companions: companionsOf(source),
    environment: {
      runtime,
      store: 'memory',
      ...(options.objectStore ? { objectStore: options.objectStore } : {}),
      ...(origin.kind === 'cloud' && origin.profile !== undefined ? { awsProfile: origin.profile } : {}),
    },
    ...(seedFile === undefined ? {} : { beforePreflight: (env) => seed(seedFile, env.objectStore) }),
    objectStore: (store) => (upload ? store : (outputStore = reproductionObjectStore(store, path.join(dir, 'outputs')))),
    logFile,
    workDir: path.join(dir, 'job'),
    ...withLines(options.reporter, options.onLine),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const outcome = await outcomeOf(launch, runtime, options.signal);
  if (outcome.status === 'Succeeded' && options.keep !== true) await removeStagedInputs(source, runtime.specs);
  const container = runtime.specs.at(-1);
  const final: ReproductionResult = {
    ...outcome,
    propertyFiles: outcome.propertyFiles ?? {},
    dir,
    source,
    logFile,
    outputs: outputStore?.writtenObjects() ?? [],
    uploaded: upload,
    ...(container ? { container } : {}),
  };
  await writeFile(path.join(dir, 'reproduction.json'), `${JSON.stringify(describe(final), null, 2)}\n`);
  return final;
}

/** A cloud job's model and any local state of the reproduction stay inside its folder. */
function reproductionConfig(config: SagesimConfig, origin: ReproductionOrigin, dir: string): SagesimConfig {
  if (origin.kind === 'local') return config;
  return Object.freeze({
    ...config,
    home: path.join(dir, 'home'),
    // "mock" here means dummy credentials for the endpoint's S3 and in the job's container.
    mock: origin.credentials === 'dummy',
    ...(origin.endpoint ? { s3: { kind: 'endpoint' as const, url: origin.endpoint } } : {}),
  });
}

/** The reporter, also told each line of the job's output through `onLine`. */
function withLines(reporter: Reporter | undefined, onLine: ((line: string) => void) | undefined): { reporter?: Reporter } {
  if (onLine === undefined) return reporter ? { reporter } : {};
  return { reporter: combineReporters(reporter, { stepLog: (event) => onLine(event.line) }) };
}

type Outcome = Pick<ReproductionResult, 'status' | 'exitCode' | 'failureReason' | 'failureCode'> & { readonly propertyFiles?: Record<string, JsonValue> };

/** How the launch ended, as the reproduction reports it; errors that are no job outcome are thrown. */
async function outcomeOf(launch: Promise<AttemptOutcome>, runtime: ReproductionRuntime, signal: AbortSignal | undefined): Promise<Outcome> {
  try {
    const { propertyFiles } = await launch;
    return { status: 'Succeeded', ...exitOf(runtime), propertyFiles };
  } catch (error) {
    const shell = shellSessionIn(error);
    if (shell) return { status: 'Shell', exitCode: shell.exitCode };
    if (error instanceof StoppedError || signal?.aborted) return { status: 'Stopped' };
    if (error instanceof StepFailure) return { status: 'Failed', failureReason: error.message, failureCode: error.code, ...exitOf(runtime) };
    throw error;
  }
}

async function readSource(options: ReproduceStepOptions, origin: ReproductionOrigin): Promise<ReproductionSource> {
  switch (origin.kind) {
    case 'local': {
      const execution = await new FileExecutionStore({ home: options.config.home }).find(options.execution);
      return localSource(execution, options.step);
    }
    case 'cloud': {
      if (origin.describer) return cloudSource(origin.describer, options.execution, options.step);
      const describer = createSdkDescriber(describerOptions(options.config, origin));
      try {
        return await cloudSource(describer, options.execution, options.step);
      } finally {
        describer.destroy();
      }
    }
    default:
      return assertNever(origin, 'reproduction origin');
  }
}

/** What the SDK describer is given: the endpoint, dummy credentials or a profile. */
function describerOptions(config: Pick<SagesimConfig, 'region'>, origin: Extract<ReproductionOrigin, { kind: 'cloud' }>): SdkDescriberOptions {
  return {
    region: config.region,
    ...(origin.endpoint ? { endpoint: origin.endpoint } : {}),
    ...(origin.credentials === 'dummy' ? { credentials: DUMMY_CREDENTIALS } : {}),
    ...(origin.credentials !== 'dummy' && origin.profile !== undefined ? { profile: origin.profile } : {}),
  };
}

/** A Transform job runs its model's image: the preflight builds it too. */
function companionsOf(source: ReproductionSource): PipelineStep[] {
  const image = source.model?.PrimaryContainer?.Image;
  return image ? [{ Name: 'Model', Type: 'Model', Arguments: { PrimaryContainer: { Image: image } } } as unknown as PipelineStep] : [];
}

async function seed(file: string, store: ObjectStore): Promise<void> {
  const resolved = path.resolve(file);
  const manifestFile = path.basename(resolved) === MANIFEST_FILE_NAME ? resolved : findManifestFor(resolved);
  if (manifestFile === undefined) {
    throw new SagesimError('NO_MANIFEST', `no ${MANIFEST_FILE_NAME} beside ${resolved}`, { source: 'user', hint: 'give --seed the manifest itself, or a definition that has one beside it' });
  }
  await seedManifest(loadManifest(manifestFile), store);
}

function exitOf(runtime: ReproductionRuntime): { exitCode?: number } {
  return runtime.lastExit ? { exitCode: runtime.lastExit.exitCode } : {};
}

/** The host folders the job's inputs were downloaded to (the same bytes are still in S3). */
async function removeStagedInputs(source: ReproductionSource, specs: readonly ContainerSpec[]): Promise<void> {
  const inputPaths = new Set<string>();
  if (source.stepType === 'Processing') {
    for (const input of arrayOf(source.arguments['ProcessingInputs'])) {
      const localPath = isJsonObject(input) && isJsonObject(input['S3Input'] ?? null) ? (input['S3Input'] as JsonObject)['LocalPath'] : undefined;
      if (typeof localPath === 'string') inputPaths.add(localPath.replace(/\/+$/, ''));
    }
  }
  for (const spec of specs) {
    for (const mount of spec.mounts) {
      const target = mount.containerPath.replace(/\/+$/, '');
      if (inputPaths.has(target)) await rm(mount.hostPath, { recursive: true, force: true });
      if (source.stepType === 'Training' && target === '/opt/ml/input') await rm(path.join(mount.hostPath, 'data'), { recursive: true, force: true });
    }
  }
}

function arrayOf(value: JsonValue | undefined): JsonValue[] {
  return Array.isArray(value) ? value : [];
}

/** What `reproduction.json` records: enough to see what ran and to run it again by hand. */
function describe(result: ReproductionResult): JsonObject {
  const spec = result.container;
  return {
    status: result.status,
    ...(result.exitCode === undefined ? {} : { exitCode: result.exitCode }),
    ...(result.failureReason === undefined ? {} : { failureReason: result.failureReason }),
    ...(result.failureCode === undefined ? {} : { failureCode: result.failureCode }),
    origin: result.source.origin,
    executionArn: result.source.execution.executionArn,
    step: result.source.step.Name,
    stepType: result.source.stepType,
    jobName: result.source.jobName,
    originalStatus: result.source.originalStatus,
    arguments: result.source.arguments,
    ...(spec
      ? {
          container: {
            image: spec.image,
            ...(spec.entrypoint ? { entrypoint: [...spec.entrypoint] } : {}),
            ...(spec.command ? { command: [...spec.command] } : {}),
            env: { ...spec.env },
            mounts: spec.mounts.map((m) => ({ hostPath: m.hostPath, containerPath: m.containerPath })),
            network: spec.network,
            ...(spec.memoryBytes === undefined ? {} : { memoryBytes: spec.memoryBytes }),
          },
        }
      : {}),
    uploaded: result.uploaded,
    outputs: result.outputs.map((o) => ({ uri: o.uri, ...(o.file ? { file: o.file } : {}) })),
    propertyFiles: result.propertyFiles as JsonObject,
  };
}

function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}
