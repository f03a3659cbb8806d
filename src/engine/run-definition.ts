// Runs a definition file end to end from a configuration: load, build the environment, run,
// release. What `sagesim run` calls, and what a user calls from a test.
import path from 'node:path';
import type { SagesimConfig } from '../config.js';
import { type CreateRunEnvironmentOptions, createRunEnvironment } from '../runtime/create-environment.js';
import { prepareRun } from '../runtime/prepare-run.js';
import type { StubOptions } from '../steps/stub-executor.js';
import type { Clock } from './clock.js';
import type { ParameterValue, PipelineDefinition } from './definition-types.js';
import type { Reporter } from './events.js';
import type { ExecutionRecord } from './execution-record.js';
import { isJsonObject } from './json.js';
import { parseDefinition, readDefinitionText } from './load-definition.js';
import { buildGraph } from './graph.js';
import { resolveParameters } from './parameters.js';
import { checkStubNames, runPipeline } from './scheduler.js';
import { planSelectiveExecution } from './selective-execution.js';

export interface RunDefinitionFileOptions {
  /** Path of the definition JSON (or a DescribePipeline response). */
  readonly file: string;
  readonly config: SagesimConfig;
  /** Parameter values as given (strings are converted to the declared types). @default {} */
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
  /** @default the DescribePipeline PipelineName, Metadata.PipelineName, or the file's base name */
  readonly pipelineName?: string;
  readonly stubs?: StubOptions;
  readonly reporter?: Reporter;
  /** Abort to stop the execution. */
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  /** How the environment is built (store kind, extra executors, object store). */
  readonly environment?: CreateRunEnvironmentOptions;
  /** Called with the record as soon as the execution exists. */
  readonly onStarted?: (execution: Readonly<ExecutionRecord>) => void;
  /**
   * Run only these steps, taking the results of the unselected steps upstream of them from
   * another execution (SelectiveExecutionConfig; see selective-execution.ts).
   */
  readonly selective?: SelectiveRunOptions;
}

export interface SelectiveRunOptions {
  /** The source execution: id, ARN or unique prefix of the id, in the configured store. */
  readonly from?: string;
  /** SelectedSteps. */
  readonly steps: readonly string[];
}

export async function runDefinitionFile(options: RunDefinitionFileOptions): Promise<ExecutionRecord> {
  const text = await readDefinitionText(options.file);
  const definition = parseDefinition(text, options.file);
  const pipelineName = options.pipelineName ?? defaultPipelineName(options.file, definition, text);
  // What the user typed is checked before S3 starts, Docker is asked or an image is built.
  resolveParameters(definition.Parameters, options.parameters ?? {});
  checkStubNames(buildGraph(definition), options.stubs);
  await using env = await createRunEnvironment(options.config, { ...options.environment, ...(options.clock ? { clock: options.clock } : {}), ...(options.reporter ? { reporter: options.reporter } : {}) });
  // A bad selection is refused before seeding S3 or building images.
  const plan = options.selective
    ? planSelectiveExecution({
        definition,
        pipelineName,
        selectedSteps: options.selective.steps,
        ...(options.selective.from === undefined ? {} : { source: await env.store.find(options.selective.from) }),
      })
    : undefined;
  await prepareRun(env, {
    definition,
    definitionFile: options.file,
    ...(options.stubs ? { stubs: options.stubs } : {}),
    ...(options.reporter ? { reporter: options.reporter } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return await runPipeline({
    definition,
    parameters: options.parameters ?? {},
    pipelineName,
    config: options.config,
    executors: env.executors,
    ...(options.stubs ? { stubs: options.stubs } : {}),
    objectStore: env.objectStore,
    store: env.store,
    ...(options.reporter ? { reporter: options.reporter } : {}),
    clock: env.clock,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onStarted ? { onStarted: options.onStarted } : {}),
    ...(plan ? { onlySteps: plan.selectedSteps, ...(plan.reuse ? { reuse: plan.reuse } : {}) } : {}),
  });
}

/** A pipeline name for a definition file, made to fit SageMaker's name pattern. */
export function defaultPipelineName(file: string, definition: PipelineDefinition, text?: string): string {
  const fromDescribe = text === undefined ? undefined : describePipelineName(text);
  const fromMetadata = definition.Metadata?.['PipelineName'];
  const candidate =
    fromDescribe ?? (typeof fromMetadata === 'string' && fromMetadata ? fromMetadata : nameFromFile(file));
  const cleaned = candidate
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 256);
  return cleaned || 'pipeline';
}

function describePipelineName(text: string): string | undefined {
  try {
    const raw: unknown = JSON.parse(text);
    if (!isJsonObject(raw as never)) return undefined;
    const name = (raw as Record<string, unknown>)['PipelineName'];
    return typeof name === 'string' && name ? name : undefined;
  } catch {
    return undefined;
  }
}

/** `fixtures/housing/pipeline.json` -> `housing`; `abalone.json` -> `abalone`. */
function nameFromFile(file: string): string {
  const base = path.basename(file).replace(/\.json$/i, '');
  const generic = /^(pipeline|definition|pipeline-definition)$/i.test(base);
  return generic ? path.basename(path.dirname(path.resolve(file))) : base;
}
