// Execution records as DescribePipelineExecution and ListPipelineExecutionSteps return them.
import type {
  DescribePipelineExecutionResponse,
  PipelineExecutionStep,
  PipelineExecutionSummary,
} from '@aws-sdk/client-sagemaker';
import type { ExecutionRecord, StepRecord } from '../../../engine/execution-record.js';
import type { JsonValue } from '../../../engine/json.js';
import type { ExecutionNotes } from '../execution-notes.js';
import { optionalDate } from './shared.js';

export function describeExecution(record: ExecutionRecord, notes: ExecutionNotes | undefined): DescribePipelineExecutionResponse {
  const experiment = experimentConfig(record);
  return {
    PipelineArn: record.pipelineArn,
    PipelineExecutionArn: record.executionArn,
    PipelineExecutionDisplayName: notes?.displayName ?? record.displayName ?? `execution-${Date.parse(record.startTime)}`,
    PipelineExecutionStatus: record.status,
    PipelineExecutionDescription: notes?.description,
    PipelineExperimentConfig: experiment,
    FailureReason: record.failureReason,
    CreationTime: new Date(record.startTime),
    LastModifiedTime: new Date(record.lastModifiedTime),
    ParallelismConfiguration: notes?.maxParallel === undefined ? undefined : { MaxParallelExecutionSteps: notes.maxParallel },
    SelectiveExecutionConfig: selectiveConfig(record, notes),
    PipelineVersionId: notes?.pipelineVersionId,
  };
}

export function summarizeExecution(record: ExecutionRecord, notes: ExecutionNotes | undefined): PipelineExecutionSummary {
  return {
    PipelineExecutionArn: record.executionArn,
    StartTime: new Date(record.startTime),
    PipelineExecutionStatus: record.status,
    PipelineExecutionDescription: notes?.description,
    PipelineExecutionDisplayName: notes?.displayName ?? record.displayName ?? `execution-${Date.parse(record.startTime)}`,
    PipelineExecutionFailureReason: record.failureReason,
  };
}

/**
 * Steps as the cloud lists them. Steps that never ran (the branch not taken, or downstream of a
 * failure) are left out, as the cloud leaves them out.
 */
export function executionSteps(record: ExecutionRecord): PipelineExecutionStep[] {
  const out: PipelineExecutionStep[] = [];
  for (const step of record.steps) {
    if (step.status === 'Skipped') continue;
    out.push({
      StepName: step.stepName,
      StepDisplayName: step.displayName,
      StartTime: optionalDate(step.startTime),
      EndTime: optionalDate(step.endTime),
      StepStatus: step.status,
      CacheHitResult: step.cacheHit ? { SourcePipelineExecutionArn: step.cacheHit.sourcePipelineExecutionArn } : undefined,
      FailureReason: step.failureReason,
      Metadata: step.metadata as PipelineExecutionStep['Metadata'],
      AttemptCount: step.attemptCount,
      SelectiveExecutionResult: step.reusedFrom && record.selectedSteps ? { SourcePipelineExecutionArn: step.reusedFrom } : undefined,
    });
  }
  return out;
}

/** The start time a step sorts by; steps not started yet sort as the newest. */
export function stepSortTime(step: PipelineExecutionStep): number {
  return step.StartTime ? step.StartTime.getTime() : Number.MAX_SAFE_INTEGER;
}

function selectiveConfig(record: ExecutionRecord, notes: ExecutionNotes | undefined): DescribePipelineExecutionResponse['SelectiveExecutionConfig'] {
  const source = notes?.selective?.sourceExecutionArn ?? record.sourceExecutionArn;
  const steps = notes?.selective?.selectedSteps ?? record.selectedSteps;
  if (!steps) return undefined;
  return { SourcePipelineExecutionArn: source, SelectedSteps: steps.map((StepName) => ({ StepName })) };
}

/**
 * PipelineExperimentConfig as the service reports it: the SDK's default (pipeline name and
 * execution id) resolved; absent when the definition sets it to null.
 */
function experimentConfig(record: ExecutionRecord): DescribePipelineExecutionResponse['PipelineExperimentConfig'] {
  const config = record.definition.PipelineExperimentConfig;
  if (config === null || config === undefined) return undefined;
  const resolve = (value: JsonValue | undefined): string | undefined => {
    if (typeof value === 'string') return value;
    if (value && typeof value === 'object' && !Array.isArray(value) && typeof value['Get'] === 'string') {
      switch (value['Get']) {
        case 'Execution.PipelineName':
          return record.pipelineName;
        case 'Execution.PipelineExecutionId':
          return record.executionId;
        default: {
          const parameter = /^Parameters\.(.+)$/.exec(value['Get']);
          const resolved = parameter?.[1] === undefined ? undefined : record.parameters[parameter[1]];
          return resolved === undefined ? undefined : String(resolved);
        }
      }
    }
    return undefined;
  };
  return { ExperimentName: resolve(config.ExperimentName), TrialName: resolve(config.TrialName) };
}

/** Finds the step of an execution by name. */
export function findStep(record: ExecutionRecord, stepName: string): StepRecord | undefined {
  return record.steps.find((step) => step.stepName === stepName);
}
