// Follows an execution that runs elsewhere (SageMaker, or `sagesim serve`) by polling
// DescribePipelineExecution and ListPipelineExecutionSteps, and tells a Reporter the same events a
// local run does, so the progress view and the summary are the same. Polls back off while nothing
// changes and speed up again when something does; time comes from an injected clock.
import type { PipelineExecutionStep } from '@aws-sdk/client-sagemaker';
import { type Clock, systemClock } from '../engine/clock.js';
import type { ParameterValue, PipelineDefinition, PipelineStep, StepType } from '../engine/definition-types.js';
import { type Reporter, combineReporters } from '../engine/events.js';
import type { ExecutionRecord, ExecutionStatus, StepMetadata, StepRecord, StepStatus } from '../engine/execution-record.js';
import { flattenSteps } from '../engine/flatten-steps.js';
import { assertNever } from '../errors.js';
import { awsCall } from './aws-error.js';
import type { SageMakerControl } from './sagemaker-control.js';

export interface PollBackoff {
  /** First wait, and the wait after any change. @default 1000 */
  readonly initialMs: number;
  /** @default 1.5 */
  readonly factor: number;
  /** @default 15000 */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: PollBackoff = { initialMs: 1000, factor: 1.5, maxMs: 15_000 };

export interface FollowExecutionOptions {
  readonly control: SageMakerControl;
  readonly executionArn: string;
  readonly pipelineName: string;
  /** The definition submitted: step types, and the steps to report as not run at the end. */
  readonly definition: PipelineDefinition;
  /** The parameter values submitted (for the record and the summary). */
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
  readonly reporter?: Reporter;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Aborting ends the following (not the execution): the promise rejects with StoppedError. */
  readonly signal?: AbortSignal;
  readonly backoff?: PollBackoff;
  /** For error messages: the endpoint URL, if any. */
  readonly endpoint?: string;
}

const TERMINAL: ReadonlySet<ExecutionStatus> = new Set(['Succeeded', 'Failed', 'Stopped']);

/** Polls until the execution ends; returns its final state as an ExecutionRecord (mode 'remote'). */
export async function followExecution(options: FollowExecutionOptions): Promise<ExecutionRecord> {
  const clock = options.clock ?? systemClock;
  const reporter = combineReporters(options.reporter);
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const types = stepTypes(options.definition.Steps);
  const arn = options.executionArn;
  const context = (action: string) => ({ action, target: options.control.description, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });

  const now = clock.now().toISOString();
  const record: ExecutionRecord = {
    executionId: arn.slice(arn.lastIndexOf('/') + 1),
    executionArn: arn,
    pipelineName: options.pipelineName,
    pipelineArn: arn.replace(/\/execution\/[^/]+$/, ''),
    status: 'Executing',
    startTime: now,
    lastModifiedTime: now,
    parameters: { ...options.parameters },
    definition: options.definition,
    steps: [],
    mode: 'remote',
  };
  reporter.executionStarted?.(record);

  let wait = backoff.initialMs;
  for (;;) {
    const described = await awsCall(context(`DescribePipelineExecution ${arn}`), () => options.control.describePipelineExecution(arn));
    const steps = await listAllSteps(options.control, arn, context(`ListPipelineExecutionSteps ${arn}`));
    if (described.CreationTime) (record as { startTime: string }).startTime = described.CreationTime.toISOString();
    record.lastModifiedTime = (described.LastModifiedTime ?? clock.now()).toISOString();
    const changed = applySteps(record, steps, types, reporter);
    const status = (described.PipelineExecutionStatus ?? 'Executing') as ExecutionStatus;
    if (status !== record.status) record.status = status;
    if (described.FailureReason) record.failureReason = described.FailureReason;
    if (TERMINAL.has(status)) {
      record.endTime = record.lastModifiedTime;
      reportNotRun(record, options.definition.Steps, reporter);
      reporter.executionFinished?.(record);
      return record;
    }
    wait = changed ? backoff.initialMs : Math.min(backoff.maxMs, wait * backoff.factor);
    await clock.sleep(wait, options.signal);
  }
}

async function listAllSteps(control: SageMakerControl, arn: string, context: { action: string; target: string }): Promise<PipelineExecutionStep[]> {
  const steps: PipelineExecutionStep[] = [];
  let token: string | undefined;
  do {
    const page = await awsCall(context, () => control.listPipelineExecutionSteps(arn, token));
    steps.push(...(page.PipelineExecutionSteps ?? []));
    token = page.NextToken;
  } while (token);
  return steps;
}

/** Folds the listed steps into the record; reports each transition. True when anything changed. */
function applySteps(record: ExecutionRecord, listed: readonly PipelineExecutionStep[], types: ReadonlyMap<string, StepType>, reporter: Reporter): boolean {
  let changed = false;
  // Oldest first, so transitions come out in the order they happened.
  const ordered = [...listed].sort((a, b) => (a.StartTime?.getTime() ?? Infinity) - (b.StartTime?.getTime() ?? Infinity));
  for (const api of ordered) {
    const name = api.StepName ?? '';
    const status = (api.StepStatus ?? 'Starting') as StepStatus;
    const attempt = api.AttemptCount ?? 1;
    let step = record.steps.find((s) => s.stepName === name);
    const previous = step ? { status: step.status, attempt: step.attemptCount } : undefined;
    if (!step) {
      step = { stepName: name, stepType: types.get(name) ?? typeFromMetadata(api.Metadata), status, attemptCount: attempt, metadata: {} };
      record.steps.push(step);
    }
    step.status = status;
    step.attemptCount = attempt;
    if (api.StepDisplayName) (step as { displayName?: string }).displayName = api.StepDisplayName;
    if (api.StartTime) step.startTime = api.StartTime.toISOString();
    if (api.EndTime) step.endTime = api.EndTime.toISOString();
    if (api.FailureReason) step.failureReason = api.FailureReason;
    if (api.Metadata) step.metadata = api.Metadata as StepMetadata;
    if (api.CacheHitResult?.SourcePipelineExecutionArn) step.cacheHit = { sourcePipelineExecutionArn: api.CacheHitResult.SourcePipelineExecutionArn, sourceStepName: name };
    if (previous && previous.status === status && previous.attempt === attempt) continue;
    changed = true;
    const event = { executionId: record.executionId, step };
    const running = status === 'Executing' || status === 'Starting';
    if (previous && running && attempt > previous.attempt) {
      // A new attempt: the previous one failed and is being retried.
      reporter.stepFailed?.({ ...event, willRetry: true });
    }
    switch (status) {
      case 'Starting':
      case 'Executing':
        if (!previous || !(previous.status === 'Starting' || previous.status === 'Executing') || attempt > previous.attempt) reporter.stepStarted?.({ ...event, attempt });
        break;
      case 'Succeeded':
        if (step.cacheHit) reporter.stepCached?.(event);
        else reporter.stepSucceeded?.(event);
        break;
      case 'Failed':
        reporter.stepFailed?.({ ...event, willRetry: false });
        break;
      case 'Stopping':
        break;
      case 'Stopped':
        reporter.stepStopped?.(event);
        break;
      case 'Skipped':
        reporter.stepSkipped?.(event);
        break;
      default:
        assertNever(status, 'step status');
    }
  }
  return changed;
}

/** The service lists only steps that ran; the rest of the definition is reported as not run. */
function reportNotRun(record: ExecutionRecord, steps: readonly PipelineStep[], reporter: Reporter): void {
  const seen = new Set(record.steps.map((s) => s.stepName));
  for (const step of flattenSteps(steps)) {
    if (seen.has(step.Name)) continue;
    const skipped: StepRecord = {
      stepName: step.Name,
      stepType: step.Type,
      status: 'Skipped',
      attemptCount: 0,
      metadata: {},
      skipReason: record.status === 'Succeeded' ? 'not run (branch not taken)' : `not run (execution ${record.status})`,
    };
    record.steps.push(skipped);
    reporter.stepSkipped?.({ executionId: record.executionId, step: skipped });
  }
}

function stepTypes(steps: readonly PipelineStep[]): Map<string, StepType> {
  return new Map(flattenSteps(steps).map((step) => [step.Name, step.Type]));
}

const METADATA_TYPES: readonly [string, StepType][] = [
  ['TrainingJob', 'Training'],
  ['ProcessingJob', 'Processing'],
  ['TransformJob', 'Transform'],
  ['TuningJob', 'Tuning'],
  ['Model', 'Model'],
  ['RegisterModel', 'RegisterModel'],
  ['Condition', 'Condition'],
  ['Fail', 'Fail'],
  ['Lambda', 'Lambda'],
  ['Callback', 'Callback'],
  ['EMR', 'EMR'],
  ['QualityCheck', 'QualityCheck'],
  ['ClarifyCheck', 'ClarifyCheck'],
  ['AutoMLJob', 'AutoML'],
];

function typeFromMetadata(metadata: PipelineExecutionStep['Metadata']): StepType {
  for (const [key, type] of METADATA_TYPES) if (metadata && (metadata as Record<string, unknown>)[key] !== undefined) return type;
  return 'Processing';
}
