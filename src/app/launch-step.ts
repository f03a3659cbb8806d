// The launcher for one job step outside a pipeline run (what `reproduce` calls): environment ->
// preflight of that one step -> the StepContext the scheduler would build (engine/step-attempt.ts)
// -> the step type's executor -> its property files, read and judged as in a pipeline run.
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { SagesimConfig } from '../config.js';
import type { PipelineDefinition, PipelineStep } from '../engine/definition-types.js';
import type { Reporter } from '../engine/events.js';
import type { JsonObject } from '../engine/json.js';
import type { ExecutionIdentity } from '../engine/resolve-context.js';
import { type AttemptOutcome, executeAttempt, stepContextFor } from '../engine/step-attempt.js';
import type { RunnableStepType } from '../engine/step-executor.js';
import type { ObjectStore } from '../ports/object-store.js';
import { type CreateRunEnvironmentOptions, type RunEnvironment } from '../runtime/create-environment.js';
import { launchEnvironment } from './launch-options.js';
import { prepareRun } from '../runtime/prepare-run.js';

/** The job of one step, as it ran: arguments already resolved, its job name already given. */
export interface StepJob {
  readonly execution: ExecutionIdentity;
  /** The step as declared (its PropertyFiles are read after the run). */
  readonly step: PipelineStep;
  readonly stepType: RunnableStepType;
  readonly arguments: JsonObject;
  readonly jobName: string;
}

export interface LaunchStepOptions {
  readonly config: SagesimConfig;
  readonly job: StepJob;
  /** Steps whose images the job needs too (a Transform job runs its model's image). @default none */
  readonly companions?: readonly PipelineStep[];
  /** How the environment is built (runtime, object store, execution store). */
  readonly environment?: CreateRunEnvironmentOptions;
  /** Runs once the environment is up, before the preflight (placing fixture objects in S3). */
  readonly beforePreflight?: (env: RunEnvironment) => Promise<void>;
  /** The store the job reads and writes through, made from the environment's. @default that one */
  readonly objectStore?: (environmentStore: ObjectStore) => ObjectStore;
  /** The job's output lines are appended here. */
  readonly logFile: string;
  /** The job's scratch folder (created). */
  readonly workDir: string;
  /** Told about slow preparation, warnings and (stepLog) each output line. */
  readonly reporter?: Reporter;
  /** Aborting stops the job. */
  readonly signal?: AbortSignal;
}

/**
 * Runs the job once and releases what the environment started. Throws what a pipeline attempt
 * throws: the preflight's errors, the executor's StepFailure / StoppedError, and PROPERTY_FILE_*.
 */
export async function launchStep(options: LaunchStepOptions): Promise<AttemptOutcome> {
  const { job, reporter } = options;
  await using env = await launchEnvironment(options);
  await options.beforePreflight?.(env);
  await prepareRun(env, {
    definition: oneStepDefinition(job, options.companions ?? []),
    // The job's arguments are resolved and its inputs are the execution's: only Docker, the
    // images and whether the type runs locally are checked.
    checks: 'step-types',
    ...(reporter ? { reporter } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  await mkdir(options.workDir, { recursive: true });
  await mkdir(path.dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  try {
    const context = stepContextFor({
      execution: job.execution,
      step: job.step,
      arguments: job.arguments,
      jobName: job.jobName,
      attempt: 1,
      signal: options.signal ?? new AbortController().signal,
      objectStore: options.objectStore ? options.objectStore(env.objectStore) : env.objectStore,
      log: { path: options.logFile, write: (line) => log.write(`${line}\n`) },
      workDir: options.workDir,
      reporter: reporter ?? {},
    });
    return await executeAttempt(env.executors[job.stepType], context);
  } finally {
    await new Promise<void>((resolve) => log.end(resolve));
  }
}

/** The job as a one-step definition, so the preparation checks Docker and builds the images it needs. */
function oneStepDefinition(job: StepJob, companions: readonly PipelineStep[]): PipelineDefinition {
  return {
    Version: '2020-12-01',
    Metadata: {},
    Parameters: [],
    PipelineExperimentConfig: null,
    Steps: [{ Name: job.step.Name, Type: job.stepType, Arguments: job.arguments } as PipelineStep, ...companions],
  };
}
