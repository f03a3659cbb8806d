// What a reproduction rebuilds: one job step's identity, job name and Create*-shaped arguments,
// read from a local execution record (here) or from SageMaker's Describe* (cloud-source.ts).
import type { PipelineStep } from '../engine/definition-types.js';
import type { ExecutionRecord, StepRecord } from '../engine/execution-record.js';
import { buildGraph } from '../engine/graph.js';
import { isJsonObject, type JsonObject } from '../engine/json.js';
import type { ExecutionIdentity } from '../engine/resolve-context.js';
import { identityOf } from '../engine/retry-plan.js';
import { SagesimError } from '../errors.js';
import { findStep } from '../history/find-step.js';
import type { ModelRecord } from '../mock-aws/model-store.js';
import { withArticle } from '../util/article.js';
import { type StepTypesWhere, stepTypesWhere } from '../engine/step-kinds.js';

/** The step types whose container run can be reproduced (the step-kind table says which). */
export type ReproducibleStepType = StepTypesWhere<'reproducible'>;
export const REPRODUCIBLE_STEP_TYPES: readonly ReproducibleStepType[] = stepTypesWhere('reproducible');

export interface ReproductionSource {
  /** Where the original ran. */
  readonly origin: 'local' | 'cloud';
  readonly execution: ExecutionIdentity;
  /** The step as declared (cloud: its name and type only). */
  readonly step: PipelineStep;
  readonly stepType: ReproducibleStepType;
  /** The original job's name: the container sees the same TRAINING_JOB_NAME / PROCESSING_JOB_NAME. */
  readonly jobName: string;
  /** CreateProcessingJob / CreateTrainingJob / CreateTransformJob arguments, as the job got them. */
  readonly arguments: JsonObject;
  /** How the original step ended, for the report. */
  readonly originalStatus: string;
  readonly originalFailureReason?: string;
  /** A Transform job's model as DescribeModel gave it (cloud); local ones are in the model store. */
  readonly model?: ModelRecord;
}

const JOB_NAME_PROPERTY: Record<ReproducibleStepType, string> = {
  Processing: 'ProcessingJobName',
  Training: 'TrainingJobName',
  Transform: 'TransformJobName',
};

const METADATA_KEY: Record<ReproducibleStepType, string> = {
  Processing: 'ProcessingJob',
  Training: 'TrainingJob',
  Transform: 'TransformJob',
};

export function isReproducible(type: string): type is ReproducibleStepType {
  return (REPRODUCIBLE_STEP_TYPES as readonly string[]).includes(type);
}

/**
 * The step of a stored execution, with the arguments it resolved and the job name it ran under.
 * Throws SagesimError (source user) `STEP_NOT_REPRODUCIBLE` for other step types, and
 * `STEP_NOT_STARTED` for a step that never resolved its arguments.
 */
export function localSource(execution: ExecutionRecord, stepReference: string): ReproductionSource {
  const found = findStep(execution, stepReference);
  const node = buildGraph(execution.definition).nodes.get(found.name);
  const type = found.record?.stepType ?? node?.step.Type ?? 'unknown';
  if (!isReproducible(type)) {
    throw new SagesimError('STEP_NOT_REPRODUCIBLE', `step ${found.name} is ${withArticle(type)} step: only Processing, Training and Transform steps run a container to reproduce`, {
      source: 'user',
      hint: `sagesim show ${execution.executionId} --step ${found.name} shows what it did`,
    });
  }
  const record = found.record;
  if (!record || !isJsonObject(record.resolvedArguments ?? null) || record.status === 'Skipped') {
    throw new SagesimError('STEP_NOT_STARTED', `step ${found.name} never started in execution ${execution.executionId}${record?.skipReason ? ` (${record.skipReason})` : ''}: there is no job to reproduce`, {
      source: 'user',
      hint: 'reproduce a step that ran, or re-run from here: sagesim run <file> --from <execution> --steps <steps>',
    });
  }
  if (record.cacheHit || record.reusedFrom) {
    const origin = record.cacheHit?.sourcePipelineExecutionArn ?? record.reusedFrom ?? '';
    throw new SagesimError('STEP_NOT_RUN_HERE', `step ${found.name} did not run in execution ${execution.executionId}: its result came from ${origin}`, {
      source: 'user',
      hint: `reproduce it in that execution: sagesim reproduce ${origin.slice(origin.lastIndexOf('/') + 1)} ${found.name}`,
    });
  }
  const identity = identityOf(execution);
  return {
    origin: 'local',
    execution: identity,
    step: node?.step ?? ({ Name: found.name, Type: type, Arguments: {} } as PipelineStep),
    stepType: type,
    jobName: jobNameOf(record, type, identity.executionId),
    arguments: record.resolvedArguments as JsonObject,
    originalStatus: record.status,
    ...(record.failureReason === undefined ? {} : { originalFailureReason: record.failureReason }),
  };
}

/** The job name from the step's properties, else from its job ARN. */
function jobNameOf(record: StepRecord, type: ReproducibleStepType, executionId: string): string {
  const fromProperties = record.properties?.[JOB_NAME_PROPERTY[type]];
  if (typeof fromProperties === 'string' && fromProperties !== '') return fromProperties;
  const arn = (record.metadata[METADATA_KEY[type]] as { Arn?: unknown } | undefined)?.Arn;
  if (typeof arn === 'string' && arn.includes('/')) return arn.slice(arn.lastIndexOf('/') + 1);
  // The job never got a name (it failed before starting): make one in the cloud's pattern.
  return `pipelines-${executionId}-${record.stepName}`.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 63);
}
