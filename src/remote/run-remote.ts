// `sagesim run <file> --no-mock`: the same definition submitted to SageMaker (or to `sagesim
// serve` with an endpoint override): upload the assets its fixture manifest declares, create or
// update the pipeline, start an execution and follow it with the local progress view.
import type { SeedResult } from '../fixtures/manifest.js';
import { findManifestFor, loadManifest, seedManifest } from '../fixtures/manifest.js';
import type { Clock } from '../engine/clock.js';
import type { ParameterValue, PipelineDefinition } from '../engine/definition-types.js';
import type { Reporter } from '../engine/events.js';
import type { ExecutionRecord } from '../engine/execution-record.js';
import { isJsonObject } from '../engine/json.js';
import { parseDefinition } from '../engine/load-definition.js';
import { readDefinitionText } from '../app/definition-file.js';
import { resolveParameters } from '../engine/parameters.js';
import { defaultPipelineName } from '../engine/pipeline-name.js';
import { SagesimError } from '../errors.js';
import type { ObjectStore } from '../ports/object-store.js';
import { type AwsCallContext, awsCall, toAwsError } from './aws-error.js';
import { rewriteBuckets, rewriteManifestBuckets } from './bucket-rewrite.js';
import { type PollBackoff, followExecution } from './follow-execution.js';
import type { SageMakerControl } from './sagemaker-control.js';

export interface RunRemoteOptions {
  /** The definition file (pipeline.definition() output, or a DescribePipeline response). */
  readonly file: string;
  readonly control: SageMakerControl;
  /** Where the manifest's assets go; required only when the definition has a manifest. */
  readonly objectStore?: ObjectStore;
  /** @default the name `sagesim run` uses locally (DescribePipeline name, Metadata, file name) */
  readonly pipelineName?: string;
  /** The pipeline's execution role; needed to create a pipeline, optional to update one. */
  readonly role?: string;
  /** Puts every asset and default-bucket URI in this bucket instead (see bucket-rewrite.ts). */
  readonly bucket?: string;
  /** Values as given (strings from --param); checked locally against the declared types first. */
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
  /** ParallelismConfiguration.MaxParallelExecutionSteps. */
  readonly maxParallel?: number;
  /** Follow the execution to its end. @default true */
  readonly wait?: boolean;
  readonly reporter?: Reporter;
  readonly clock?: Clock;
  /** Aborting ends the following (not the execution). */
  readonly signal?: AbortSignal;
  readonly backoff?: PollBackoff;
  /** Told the execution's ARN as soon as it started (so Ctrl-C can offer to stop it). */
  readonly onStarted?: (started: RemoteSubmission) => void;
  /** For messages: the --endpoint-url. */
  readonly endpoint?: string;
}

export interface RemoteSubmission {
  readonly pipelineName: string;
  readonly pipelineArn: string;
  readonly executionArn: string;
  /** True when the pipeline was created, false when an existing one was updated. */
  readonly created: boolean;
  readonly uploaded?: SeedResult;
}

export interface RemoteRunResult extends RemoteSubmission {
  /** The final state, unless `wait` was false. */
  readonly record?: ExecutionRecord;
}

/** The phrase SageMaker puts in CreatePipeline's error for a name that exists (the SDK's upsert reads it too). */
const PIPELINE_EXISTS = 'Pipeline names must be unique within';

export async function runRemote(options: RunRemoteOptions): Promise<RemoteRunResult> {
  const { control } = options;
  const originalText = await readDefinitionText(options.file);
  const definition = parseDefinition(originalText, options.file);
  const pipelineName = options.pipelineName ?? defaultPipelineName(options.file, definition, originalText);
  // Wrong parameter values fail here, with the local message, before anything is uploaded.
  resolveParameters(definition.Parameters, options.parameters ?? {});
  let definitionText = definitionJsonText(originalText);
  if (options.bucket !== undefined) definitionText = rewriteBuckets(definitionText, options.bucket, manifestBuckets(options.file));

  const uploaded = await uploadAssets(options);
  const context = (action: string): AwsCallContext => ({
    action,
    target: control.description,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.role ? { role: options.role } : {}),
  });
  const { pipelineArn, created } = await upsertPipeline(options, pipelineName, definitionText, context);
  const started = await awsCall(context(`StartPipelineExecution ${pipelineName}`), () =>
    control.startPipelineExecution({
      PipelineName: pipelineName,
      PipelineParameters: Object.entries(options.parameters ?? {}).map(([Name, value]) => ({ Name, Value: String(value) })),
      ...(options.maxParallel === undefined ? {} : { ParallelismConfiguration: { MaxParallelExecutionSteps: options.maxParallel } }),
    }),
  );
  const executionArn = started.PipelineExecutionArn;
  if (!executionArn) throw new SagesimError('AWS_BAD_RESPONSE', `StartPipelineExecution on ${control.description} returned no PipelineExecutionArn`, { source: 'aws' });
  const submission: RemoteSubmission = { pipelineName, pipelineArn, executionArn, created, ...(uploaded ? { uploaded } : {}) };
  options.onStarted?.(submission);
  if (options.wait === false) return submission;

  const record = await followExecution({
    control,
    executionArn,
    pipelineName,
    definition: definitionFor(definitionText, definition),
    parameters: resolveParameters(definition.Parameters, options.parameters ?? {}),
    ...(options.reporter ? { reporter: options.reporter } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.backoff ? { backoff: options.backoff } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  return { ...submission, record };
}

/**
 * CreatePipeline, and UpdatePipeline when the name exists (what the SageMaker SDK's
 * `pipeline.upsert()` does). Without a role only an update is possible.
 */
async function upsertPipeline(
  options: RunRemoteOptions,
  pipelineName: string,
  definitionText: string,
  context: (action: string) => AwsCallContext,
): Promise<{ pipelineArn: string; created: boolean }> {
  const { control } = options;
  const update = async (): Promise<{ pipelineArn: string; created: boolean }> => {
    const updated = await awsCall(context(`UpdatePipeline ${pipelineName}`), () =>
      control.updatePipeline({
        PipelineName: pipelineName,
        PipelineDefinition: definitionText,
        ...(options.role ? { RoleArn: options.role } : {}),
        ...(options.maxParallel === undefined ? {} : { ParallelismConfiguration: { MaxParallelExecutionSteps: options.maxParallel } }),
      }),
    );
    return { pipelineArn: updated.PipelineArn ?? '', created: false };
  };
  if (!options.role) {
    try {
      return await update();
    } catch (error) {
      if (error instanceof SagesimError && error.code === 'AWS_NOT_FOUND') {
        throw new SagesimError('ROLE_REQUIRED', `pipeline ${pipelineName} does not exist on ${control.description}, and creating it needs an execution role`, {
          source: 'user',
          hint: 'pass --role arn:aws:iam::<account>:role/<SageMaker execution role>',
        });
      }
      throw error;
    }
  }
  try {
    const createdPipeline = await control.createPipeline({
      PipelineName: pipelineName,
      PipelineDefinition: definitionText,
      RoleArn: options.role,
      ...(options.maxParallel === undefined ? {} : { ParallelismConfiguration: { MaxParallelExecutionSteps: options.maxParallel } }),
    });
    return { pipelineArn: createdPipeline.PipelineArn ?? '', created: true };
  } catch (error) {
    const name = (error as { name?: unknown } | undefined)?.name;
    const message = (error as { message?: unknown } | undefined)?.message;
    if (name === 'ValidationException' && typeof message === 'string' && message.includes(PIPELINE_EXISTS)) return update();
    throw toAwsError(error, context(`CreatePipeline ${pipelineName}`));
  }
}

async function uploadAssets(options: RunRemoteOptions): Promise<SeedResult | undefined> {
  const manifestFile = findManifestFor(options.file);
  if (!manifestFile) return undefined;
  let manifest = loadManifest(manifestFile);
  if (options.bucket !== undefined) manifest = rewriteManifestBuckets(manifest, options.bucket);
  if (!options.objectStore) {
    throw new SagesimError('NO_OBJECT_STORE', `the definition's manifest ${manifestFile} declares assets, but no S3 store was given to upload them to`, { source: 'sagesim' });
  }
  const store = options.objectStore;
  options.reporter?.progress?.({ message: `uploading the assets of ${manifestFile} to ${store.description}` });
  const context: AwsCallContext = {
    action: `uploading the assets of ${manifestFile}`,
    target: store.description,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  };
  try {
    return await seedManifest(manifest, store, options.reporter ? { reporter: options.reporter } : {});
  } catch (error) {
    // The store speaks of mock-mode S3 settings; here the user gave --endpoint-url or AWS.
    if (error instanceof SagesimError && (error.code === 'S3_UNREACHABLE' || error.code === 'S3_ERROR') && error.cause !== undefined) {
      throw toAwsError(error.cause, context);
    }
    throw toAwsError(error, context);
  }
}

function manifestBuckets(file: string): string[] {
  const manifestFile = findManifestFor(file);
  if (!manifestFile) return [];
  return loadManifest(manifestFile).entries.map((entry) => /^s3:\/\/([^/]+)/.exec(entry.uri)?.[1] ?? '').filter(Boolean);
}

/** The definition JSON itself: a DescribePipeline response is unwrapped to its PipelineDefinition. */
function definitionJsonText(text: string): string {
  try {
    const raw: unknown = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    if (isJsonObject(raw as never) && typeof (raw as Record<string, unknown>)['PipelineDefinition'] === 'string') {
      return (raw as Record<string, string>)['PipelineDefinition'] as string;
    }
  } catch {
    // parseDefinition already reported text that is not JSON.
  }
  return text;
}

/** The definition as submitted (bucket rewriting included), for the follower's step names and types. */
function definitionFor(text: string, fallback: PipelineDefinition): PipelineDefinition {
  try {
    return parseDefinition(text, 'submitted definition');
  } catch {
    return fallback;
  }
}
