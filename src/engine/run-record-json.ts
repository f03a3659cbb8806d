// An ExecutionRecord as SageMaker's API would describe it: DescribePipelineExecution plus
// ListPipelineExecutionSteps. Used by `run --json` and by the API emulator, so both answer alike.
import { type ExecutionRecord, type StepRecord, stubbedSteps } from './execution-record.js';
import type { JsonObject } from './json.js';

export interface DescribePipelineExecutionShape {
  readonly PipelineArn: string;
  readonly PipelineExecutionArn: string;
  readonly PipelineExecutionDisplayName?: string;
  readonly PipelineExecutionStatus: ExecutionRecord['status'];
  readonly FailureReason?: string;
  readonly CreationTime: string;
  readonly LastModifiedTime: string;
  readonly SelectiveExecutionConfig?: { readonly SourcePipelineExecutionArn?: string; readonly SelectedSteps: { readonly StepName: string }[] };
}

export interface PipelineExecutionStepShape {
  readonly StepName: string;
  readonly StepDisplayName?: string;
  readonly StepStatus: StepRecord['status'];
  readonly StartTime?: string;
  readonly EndTime?: string;
  readonly FailureReason?: string;
  readonly AttemptCount: number;
  readonly CacheHitResult?: { readonly SourcePipelineExecutionArn: string };
  readonly SelectiveExecutionResult?: { readonly SourcePipelineExecutionArn: string };
  readonly Metadata: JsonObject;
}

/** A step the cloud would not list (a branch not taken, downstream of one, never started). */
export interface SkippedStepShape {
  readonly StepName: string;
  readonly StepDisplayName?: string;
  readonly Reason: string;
}

export interface RunJsonShape extends DescribePipelineExecutionShape {
  readonly PipelineParameters: { readonly Name: string; readonly Value: string }[];
  readonly PipelineExecutionSteps: PipelineExecutionStepShape[];
  readonly SkippedSteps: SkippedStepShape[];
  /** Steps that ran as stubs (not an API field: their properties are stand-ins). */
  readonly StubbedSteps: string[];
}

export function toDescribePipelineExecution(record: Readonly<ExecutionRecord>): DescribePipelineExecutionShape {
  return {
    PipelineArn: record.pipelineArn,
    PipelineExecutionArn: record.executionArn,
    ...(record.displayName === undefined ? {} : { PipelineExecutionDisplayName: record.displayName }),
    PipelineExecutionStatus: record.status,
    ...(record.failureReason === undefined ? {} : { FailureReason: record.failureReason }),
    CreationTime: record.startTime,
    LastModifiedTime: record.lastModifiedTime,
    ...(record.sourceExecutionArn !== undefined || record.selectedSteps !== undefined
      ? {
          SelectiveExecutionConfig: {
            ...(record.sourceExecutionArn === undefined ? {} : { SourcePipelineExecutionArn: record.sourceExecutionArn }),
            SelectedSteps: (record.selectedSteps ?? []).map((StepName) => ({ StepName })),
          },
        }
      : {}),
  };
}

/** Steps as ListPipelineExecutionSteps returns them: newest first, skipped steps left out. */
export function toPipelineExecutionSteps(record: Readonly<ExecutionRecord>): PipelineExecutionStepShape[] {
  return record.steps
    .map((step, index) => ({ step, index }))
    .filter(({ step }) => step.status !== 'Skipped')
    .sort((a, b) => (b.step.startTime ?? '').localeCompare(a.step.startTime ?? '') || b.index - a.index)
    .map(({ step }) => toStepShape(step));
}

function toStepShape(step: StepRecord): PipelineExecutionStepShape {
  return {
    StepName: step.stepName,
    ...(step.displayName === undefined ? {} : { StepDisplayName: step.displayName }),
    StepStatus: step.status,
    ...(step.startTime === undefined ? {} : { StartTime: step.startTime }),
    ...(step.endTime === undefined ? {} : { EndTime: step.endTime }),
    ...(step.failureReason === undefined ? {} : { FailureReason: step.failureReason }),
    AttemptCount: step.attemptCount,
    ...(step.cacheHit ? { CacheHitResult: { SourcePipelineExecutionArn: step.cacheHit.sourcePipelineExecutionArn } } : {}),
    ...(step.reusedFrom ? { SelectiveExecutionResult: { SourcePipelineExecutionArn: step.reusedFrom } } : {}),
    Metadata: JSON.parse(JSON.stringify(step.metadata)) as JsonObject,
  };
}

/** Parameter values as the API shows them: strings. */
export function toPipelineParameters(record: Readonly<ExecutionRecord>): { Name: string; Value: string }[] {
  return Object.entries(record.parameters).map(([Name, value]) => ({ Name, Value: String(value) }));
}

/** What `sagesim run --json` prints. */
export function toRunJson(record: Readonly<ExecutionRecord>): RunJsonShape {
  return {
    ...toDescribePipelineExecution(record),
    PipelineParameters: toPipelineParameters(record),
    PipelineExecutionSteps: toPipelineExecutionSteps(record),
    SkippedSteps: record.steps
      .filter((step) => step.status === 'Skipped')
      .map((step) => ({
        StepName: step.stepName,
        ...(step.displayName === undefined ? {} : { StepDisplayName: step.displayName }),
        Reason: step.skipReason ?? 'skipped',
      })),
    StubbedSteps: stubbedSteps(record),
  };
}

