// What the console's JSON endpoints return: execution records reshaped for a page (the list, one
// execution with its DAG, one step with everything it produced). Pure functions over the store's
// records, shared as types with the browser bundle.
import type { ParameterDeclaration, ParameterValue, StepType } from '../engine/definition-types.js';
import type { ExecutionRecord, ExecutionStatus, StepRecord, StepStatus } from '../engine/execution-record.js';
import { buildGraph } from '../engine/graph.js';
import type { JsonObject, JsonValue } from '../engine/json.js';

export interface ExecutionSummaryView {
  readonly executionId: string;
  readonly executionArn: string;
  readonly pipelineName: string;
  readonly displayName?: string;
  readonly status: ExecutionStatus;
  readonly failureReason?: string;
  readonly startTime: string;
  readonly endTime?: string;
  readonly lastModifiedTime: string;
  readonly mode: 'local' | 'remote';
  /** Steps recorded so far, by status. */
  readonly stepCounts: Readonly<Partial<Record<StepStatus, number>>>;
  readonly stepTotal: number;
  /** A selective execution or retry names the execution it reused results from. */
  readonly sourceExecutionArn?: string;
}

export interface StepStateView {
  readonly name: string;
  readonly type: StepType;
  readonly displayName?: string;
  /** `Pending` for a step the execution has not reached yet. */
  readonly status: StepStatus | 'Pending';
  readonly startTime?: string;
  readonly endTime?: string;
  readonly attemptCount: number;
  readonly failureReason?: string;
  readonly skipReason?: string;
  readonly conditionOutcome?: 'True' | 'False';
  readonly cacheHit?: { readonly sourcePipelineExecutionArn: string; readonly sourceStepName: string };
  readonly reusedFrom?: string;
  /** The step ran as a stub (when the record says so). */
  readonly stubbed: boolean;
  /** Why a cache entry the cloud would have reused was not (when the record says so). */
  readonly cacheMissReason?: string;
  /** Set for steps inside a condition's branch. */
  readonly branch?: { readonly condition: string; readonly outcome: 'if' | 'else' };
}

export interface GraphEdgeView {
  readonly from: string;
  readonly to: string;
  readonly kind: 'depends-on' | 'data' | 'if' | 'else';
}

export interface ExecutionView {
  readonly summary: ExecutionSummaryView;
  readonly parameters: Readonly<Record<string, ParameterValue>>;
  readonly selectedSteps?: readonly string[];
  /** Every step of the definition (branches flattened), in topological order. */
  readonly steps: readonly StepStateView[];
  readonly edges: readonly GraphEdgeView[];
  /** Set when the definition could not be laid out as a graph (then `edges` is empty). */
  readonly graphProblem?: string;
}

export interface StepDetailView {
  readonly state: StepStateView;
  /** The step as the definition declares it. */
  readonly definition?: JsonValue;
  readonly resolvedArguments?: JsonValue;
  readonly properties?: JsonObject;
  readonly propertyFiles?: Record<string, JsonValue>;
  readonly outputParameters?: Record<string, JsonValue>;
  /** Final metrics, when the properties hold them (training: FinalMetricDataList). */
  readonly metrics: readonly { readonly name: string; readonly value: JsonValue }[];
  readonly metadata: JsonValue;
  /** The last lines of the step's log (for a failed step, next to its failure reason). */
  readonly logTail: string;
}

export interface PipelineView {
  readonly name: string;
  readonly arn?: string;
  readonly displayName?: string;
  readonly description?: string;
  /** `api` for pipelines created through CreatePipeline; `runs` for ones known only from their executions. */
  readonly source: 'api' | 'runs';
  readonly parameters: readonly ParameterDeclaration[];
  readonly stepCount: number;
  readonly definition: JsonValue;
  readonly lastModifiedTime?: string;
  readonly executionCount: number;
  readonly lastExecution?: { readonly executionId: string; readonly status: ExecutionStatus; readonly startTime: string };
}

export function executionSummary(record: Readonly<ExecutionRecord>): ExecutionSummaryView {
  const stepCounts: Partial<Record<StepStatus, number>> = {};
  for (const step of record.steps) stepCounts[step.status] = (stepCounts[step.status] ?? 0) + 1;
  return {
    executionId: record.executionId,
    executionArn: record.executionArn,
    pipelineName: record.pipelineName,
    ...(record.displayName === undefined ? {} : { displayName: record.displayName }),
    status: record.status,
    ...(record.failureReason === undefined ? {} : { failureReason: record.failureReason }),
    startTime: record.startTime,
    ...(record.endTime === undefined ? {} : { endTime: record.endTime }),
    lastModifiedTime: record.lastModifiedTime,
    mode: record.mode,
    stepCounts,
    stepTotal: countSteps(record),
    ...(record.sourceExecutionArn === undefined ? {} : { sourceExecutionArn: record.sourceExecutionArn }),
  };
}

export function executionView(record: Readonly<ExecutionRecord>): ExecutionView {
  const byName = new Map(record.steps.map((step) => [step.stepName, step]));
  let edges: GraphEdgeView[] = [];
  let ordered: { name: string; type: StepType; displayName?: string; branch?: StepStateView['branch'] }[];
  let graphProblem: string | undefined;
  try {
    const graph = buildGraph(record.definition);
    edges = graph.edges.map((edge) => ({ from: edge.from, to: edge.to, kind: edge.kind }));
    ordered = graph.order.map((name) => {
      const node = graph.nodes.get(name);
      return {
        name,
        type: node?.step.Type ?? 'Processing',
        ...(node?.step.DisplayName === undefined ? {} : { displayName: node.step.DisplayName }),
        ...(node?.branch ? { branch: node.branch } : {}),
      };
    });
  } catch (error) {
    // A record is validated before it runs; this guards records from older versions.
    graphProblem = error instanceof Error ? error.message : String(error);
    ordered = record.steps.map((step) => ({ name: step.stepName, type: step.stepType }));
  }
  const steps = ordered.map((node) => stepState(node, byName.get(node.name)));
  return {
    summary: executionSummary(record),
    parameters: record.parameters,
    ...(record.selectedSteps === undefined ? {} : { selectedSteps: record.selectedSteps }),
    steps,
    edges,
    ...(graphProblem === undefined ? {} : { graphProblem }),
  };
}

export function stepState(
  node: { readonly name: string; readonly type: StepType; readonly displayName?: string; readonly branch?: StepStateView['branch'] },
  step: Readonly<StepRecord> | undefined,
): StepStateView {
  const displayName = step?.displayName ?? node.displayName;
  const outcome = step?.metadata.Condition?.Outcome;
  return {
    name: node.name,
    type: step?.stepType ?? node.type,
    ...(displayName === undefined ? {} : { displayName }),
    status: step?.status ?? 'Pending',
    ...(step?.startTime === undefined ? {} : { startTime: step.startTime }),
    ...(step?.endTime === undefined ? {} : { endTime: step.endTime }),
    attemptCount: step?.attemptCount ?? 0,
    ...(step?.failureReason === undefined ? {} : { failureReason: step.failureReason }),
    ...(step?.skipReason === undefined ? {} : { skipReason: step.skipReason }),
    ...(outcome === undefined ? {} : { conditionOutcome: outcome }),
    ...(step?.cacheHit === undefined ? {} : { cacheHit: step.cacheHit }),
    ...(step?.reusedFrom === undefined ? {} : { reusedFrom: step.reusedFrom }),
    stubbed: isStubbedRecord(step),
    ...cacheMiss(step),
    ...(node.branch ? { branch: node.branch } : {}),
  };
}

export function stepDetail(
  record: Readonly<ExecutionRecord>,
  stepName: string,
  logTail: string,
): StepDetailView | undefined {
  const view = executionView(record);
  const state = view.steps.find((step) => step.name === stepName);
  if (!state) return undefined;
  const step = record.steps.find((s) => s.stepName === stepName);
  const declared = findDeclaredStep(record.definition.Steps as unknown as readonly JsonValue[], stepName);
  return {
    state,
    ...(declared === undefined ? {} : { definition: declared }),
    ...(step?.resolvedArguments === undefined ? {} : { resolvedArguments: step.resolvedArguments }),
    ...(step?.properties === undefined ? {} : { properties: step.properties }),
    ...(step?.propertyFiles === undefined ? {} : { propertyFiles: step.propertyFiles }),
    ...(step?.outputParameters === undefined ? {} : { outputParameters: step.outputParameters }),
    metrics: metricsOf(step?.properties),
    metadata: (step?.metadata ?? {}) as JsonValue,
    logTail,
  };
}

/** Training's FinalMetricDataList (and a tuning job's best training job's), as name/value pairs. */
export function metricsOf(properties: JsonObject | undefined): { name: string; value: JsonValue }[] {
  const lists = [properties?.['FinalMetricDataList'], (properties?.['BestTrainingJob'] as JsonObject | undefined)?.['FinalHyperParameterTuningJobObjectiveMetric']];
  const metrics: { name: string; value: JsonValue }[] = [];
  const first = lists[0];
  if (Array.isArray(first)) {
    for (const entry of first) {
      if (entry && typeof entry === 'object' && !Array.isArray(entry) && typeof entry['MetricName'] === 'string') {
        metrics.push({ name: entry['MetricName'], value: entry['Value'] ?? null });
      }
    }
  }
  const objective = lists[1];
  if (objective && typeof objective === 'object' && !Array.isArray(objective) && typeof objective['MetricName'] === 'string') {
    metrics.push({ name: objective['MetricName'], value: objective['Value'] ?? null });
  }
  return metrics;
}

function isStubbedRecord(step: Readonly<StepRecord> | undefined): boolean {
  return step?.stubbed === true;
}

function cacheMiss(step: Readonly<StepRecord> | undefined): { cacheMissReason?: string } {
  return step?.cacheMissReason === undefined ? {} : { cacheMissReason: step.cacheMissReason };
}

function countSteps(record: Readonly<ExecutionRecord>): number {
  let count = 0;
  const visit = (steps: readonly { readonly Type: string; readonly Arguments?: unknown }[]): void => {
    for (const step of steps) {
      count++;
      if (step.Type === 'Condition') {
        const args = step.Arguments as { IfSteps?: typeof steps; ElseSteps?: typeof steps } | undefined;
        visit(args?.IfSteps ?? []);
        visit(args?.ElseSteps ?? []);
      }
    }
  };
  visit(record.definition.Steps);
  return count;
}

function findDeclaredStep(steps: readonly JsonValue[], name: string): JsonValue | undefined {
  for (const step of steps) {
    if (!step || typeof step !== 'object' || Array.isArray(step)) continue;
    if (step['Name'] === name) return step;
    const args = step['Arguments'];
    if (step['Type'] === 'Condition' && args && typeof args === 'object' && !Array.isArray(args)) {
      const inner = findDeclaredStep([...asArray(args['IfSteps']), ...asArray(args['ElseSteps'])], name);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

function asArray(value: JsonValue | undefined): readonly JsonValue[] {
  return Array.isArray(value) ? value : [];
}
