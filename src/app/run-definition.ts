// Runs a definition file end to end from a configuration: load, build the environment, run,
// release. What `sagesim run` calls, and what a user calls from a test.
import { prepareRun } from '../runtime/prepare-run.js';
import type { ParameterValue } from '../engine/definition-types.js';
import type { ExecutionRecord } from '../engine/execution-record.js';
import { parseDefinition } from '../engine/load-definition.js';
import { readDefinitionText } from './definition-file.js';
import { buildGraph } from '../engine/graph.js';
import { checkStubNames, runPipeline } from './run-pipeline.js';
import { defaultPipelineName } from '../engine/pipeline-name.js';
import { type LaunchOptions, launchEnvironment } from './launch-options.js';
import { planLaunch } from './plan-launch.js';

export interface RunDefinitionFileOptions extends LaunchOptions {
  /** Path of the definition JSON (or a DescribePipeline response). */
  readonly file: string;
  /** Parameter values as given (strings are converted to the declared types). @default {} */
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
  /** @default the DescribePipeline PipelineName, Metadata.PipelineName, or the file's base name */
  readonly pipelineName?: string;
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
  // Stub names are checked before S3 starts; parameters, images and inputs by the preflight
  // (prepareRun), which reports them all at once before anything is seeded or started.
  checkStubNames(buildGraph(definition), options.stubs);
  await using env = await launchEnvironment(options);
  // A bad selection is refused before seeding S3 or building images.
  const plan = planLaunch(
    definition,
    pipelineName,
    options.selective
      ? {
          kind: 'selective',
          steps: options.selective.steps,
          ...(options.selective.from === undefined ? {} : { source: await env.store.find(options.selective.from) }),
        }
      : { kind: 'fresh' },
  );
  await prepareRun(env, {
    definition,
    definitionFile: options.file,
    ...(options.parameters ? { parameters: options.parameters } : {}),
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
    ...plan,
  });
}
