// Runs a pipeline definition as a DAG: ready steps start up to maxParallel at a time, a condition's
// outcome decides its branch, a failure lets running steps finish and starts nothing new, and a
// stop (SIGINT, StopPipelineExecution) aborts running work. The engine never prints: everything
// goes to the execution store and the reporter.
import type { SagesimConfig } from '../config.js';
import { SagesimError } from '../errors.js';
import type { ObjectStore } from '../ports/object-store.js';
import { CONTROL_RUNNERS } from './control-steps.js';
import { type Clock, systemClock } from './clock.js';
import type { ParameterValue, PipelineDefinition, PipelineStep } from './definition-types.js';
import { type Reporter, combineReporters } from './events.js';
import { currentOwner } from './execution-owner.js';
import type { ExecutionOwner, ExecutionRecord, StepRecord } from './execution-record.js';
import type { ExecutionStore } from './execution-store.js';
import { renderJoinValue, resolveValue } from './expressions.js';
import { buildGraph, type PipelineGraph } from './graph.js';
import { newExecutionIdentity, pipelineAccountId } from './identity.js';
import type { JsonValue } from './json.js';
import { resolveParameters } from './parameters.js';
import type { ExecutionIdentity, ResolveContext, StepOutputs } from './resolve-context.js';
import { type IncomingEdge, type UpstreamState, skipReasonFor } from './skip-rules.js';
import { type AssignStep, type StepAssignment, isControlStep } from './step-executor.js';
import { runStep, type StepRunEnvironment } from './step-runner.js';

/** The execution FailureReason SageMaker reports when a step failed (Fail steps included). */
export const STEP_FAILURE_REASON = 'Step failure: One or multiple steps failed.';

/**
 * Steps whose results are taken from another execution instead of running: the building block of
 * selective execution (SelectiveExecutionConfig) and RetryPipelineExecution.
 */
export interface ReuseSteps {
  /** The execution to copy results from. */
  readonly execution: ExecutionRecord;
  /** Steps that do not run; each must have succeeded in `execution`. */
  readonly steps: readonly string[];
}

export interface ExecutionOptions {
  readonly definition: PipelineDefinition;
  /**
   * Values given for the pipeline's parameters, as the user gave them (strings from `--param`, or
   * typed values from a file or the API). They are converted to the declared types and checked
   * here (resolveParameters); parameters not given take their DefaultValue.
   * @default {}
   */
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
  readonly pipelineName: string;
  readonly displayName?: string;
  /** maxParallel, cache, region and accountId are read from here. */
  readonly config: SagesimConfig;
  /** The pipeline's role (CreatePipeline RoleArn): its account is the one in the ARNs. @default none: see pipelineAccountId */
  readonly roleArn?: string;
  /** How each runnable step runs (its executor, or a stub); Condition and Fail are the scheduler's own. */
  readonly assign: AssignStep;
  /** Decorates how any step runs, control steps included (fault injection). @default none */
  readonly decorate?: (step: PipelineStep, assignment: StepAssignment) => StepAssignment;
  readonly objectStore: ObjectStore;
  readonly store: ExecutionStore;
  readonly reporter?: Reporter;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Aborting stops the execution: Stopping, running steps aborted, then Stopped. */
  readonly signal?: AbortSignal;
  /** Results copied from another execution instead of running. */
  readonly reuse?: ReuseSteps;
  /**
   * When given, only these steps (and the reused ones) take part: every other step is recorded
   * Skipped ("not selected"). With `reuse`, this is SelectiveExecutionConfig.SelectedSteps.
   */
  readonly onlySteps?: readonly string[];
  /** A pre-assigned identity (the API emulator returns the ARN before the run starts). */
  readonly identity?: ExecutionIdentity;
  /** Random source for ids and job names. @default Math.random */
  readonly random?: () => number;
  /** Called once the execution record exists and is saved, before any step starts. */
  readonly onStarted?: (execution: Readonly<ExecutionRecord>) => void;
  /** The process recorded as running the execution. @default this process */
  readonly owner?: ExecutionOwner;
}

/** Runs the pipeline to its end and returns the final record (also saved in the store). */
export async function runExecution(options: ExecutionOptions): Promise<ExecutionRecord> {
  const clock = options.clock ?? systemClock;
  const reporter = combineReporters(options.reporter);
  const graph = buildGraph(options.definition);
  const parameters = resolveParameters(options.definition.Parameters ?? [], options.parameters ?? {});
  const executorFor = (step: PipelineStep): StepAssignment => {
    const assignment = isControlStep(step) ? { runner: CONTROL_RUNNERS[step.Type] } : options.assign(step);
    return options.decorate ? options.decorate(step, assignment) : assignment;
  };
  checkReuse(graph, options);

  const identity =
    options.identity ??
    newExecutionIdentity({
      pipelineName: options.pipelineName,
      region: options.config.region,
      accountId: pipelineAccountId({ roleArn: options.roleArn, definition: options.definition, configured: options.config.accountId }),
      now: clock.now(),
      random: options.random,
    });
  const startIso = identity.startTime.toISOString();
  const isRetry = options.reuse?.execution.executionArn === identity.executionArn;
  const reuseSource = isRetry ? options.reuse?.execution.sourceExecutionArn : options.reuse?.execution.executionArn;
  const record: ExecutionRecord = {
    executionId: identity.executionId,
    executionArn: identity.executionArn,
    pipelineName: identity.pipelineName,
    pipelineArn: identity.pipelineArn,
    ...(options.displayName === undefined ? {} : { displayName: options.displayName }),
    status: 'Executing',
    startTime: startIso,
    lastModifiedTime: startIso,
    parameters,
    definition: options.definition,
    steps: [],
    mode: 'local',
    // A retry (RetryPipelineExecution) reuses its own earlier run and keeps that run's source, if any.
    ...(reuseSource === undefined ? {} : { sourceExecutionArn: reuseSource }),
    ...(options.onlySteps ? { selectedSteps: [...options.onlySteps] } : {}),
    // Lets a later process tell this run, if it is killed, from one still going.
    owner: options.owner ?? currentOwner(),
  };
  const persist = (): void => {
    record.lastModifiedTime = clock.now().toISOString();
    options.store.save(record);
  };

  const outputs = new Map<string, StepOutputs>();
  const states = new Map<string, UpstreamState>();
  const owners = propertyFileOwners(graph);
  const contextWith = (experimentConfig: ResolveContext['experimentConfig'], currentStep?: ResolveContext['currentStep']): ResolveContext => ({
    parameters,
    execution: identity,
    now: () => clock.now(),
    ...(currentStep ? { currentStep } : {}),
    ...(experimentConfig ? { experimentConfig } : {}),
    stepOutputs: (name) => outputs.get(name),
    objectStore: options.objectStore,
    propertyFileOwner: (name) => owners.get(name),
  });
  const experimentConfig = await resolveExperimentConfig(options.definition, contextWith(undefined));
  const resolveContext = (currentStep?: ResolveContext['currentStep']): ResolveContext => contextWith(experimentConfig, currentStep);

  // The run loop sleeps until a step ends or a stop arrives.
  let wakeUp: (() => void) | undefined;
  const wake = (): void => {
    const resolve = wakeUp;
    wakeUp = undefined;
    resolve?.();
  };

  // Stopping: the execution's own controller, so executors and back-off waits see one signal.
  const abort = new AbortController();
  let stopRequested = false;
  let finished = false;
  const onAbort = (): void => {
    if (stopRequested || finished) return;
    stopRequested = true;
    record.status = 'Stopping';
    persist();
    abort.abort(options.signal?.reason);
    wake();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });

  persist();
  reporter.executionStarted?.(record);
  options.onStarted?.(record);
  if (options.signal?.aborted) onAbort();

  const env: StepRunEnvironment = {
    identity,
    record,
    objectStore: options.objectStore,
    store: options.store,
    reporter,
    clock,
    signal: abort.signal,
    cacheEnabled: options.config.cache,
    cacheMode: options.config.cacheLikeCloud ? 'arguments' : 'content',
    resolveContext,
    persist,
    random: options.random,
  };

  const incoming = new Map<string, IncomingEdge[]>();
  for (const edge of graph.edges) {
    let list = incoming.get(edge.to);
    if (!list) incoming.set(edge.to, (list = []));
    list.push(edge);
  }
  const waitingOn = new Map<string, number>();
  for (const name of graph.order) waitingOn.set(name, graph.upstream(name).length);
  const selected = options.onlySteps ? new Set(options.onlySteps) : undefined;
  const reused = new Set(options.reuse?.steps ?? []);
  const recorded = new Set<string>();
  const ready: string[] = [];
  let inFlight = 0;
  let failed = false;
  let firstFailure: string | undefined;
  let engineError: unknown;

  const addRecord = (name: string, step: PipelineStep): StepRecord => {
    const rec: StepRecord = {
      stepName: name,
      stepType: step.Type,
      ...(step.DisplayName === undefined ? {} : { displayName: step.DisplayName }),
      status: 'Starting',
      attemptCount: 0,
      metadata: {},
    };
    record.steps.push(rec);
    recorded.add(name);
    return rec;
  };

  /** Records a step Skipped; the caller releases the steps waiting on it (finish). */
  const recordSkipped = (name: string, reason: string): boolean => {
    const node = graph.nodes.get(name);
    if (!node || recorded.has(name)) return false;
    const rec = addRecord(name, node.step);
    rec.status = 'Skipped';
    rec.skipReason = reason;
    states.set(name, { status: 'Skipped' });
    persist();
    reporter.stepSkipped?.({ executionId: identity.executionId, step: rec });
    return true;
  };

  const skip = (name: string, reason: string): void => {
    if (recordSkipped(name, reason)) finish(name);
  };

  /**
   * A step reached its final state: release the steps waiting on it. A skip cascades down the
   * graph through a work list, not recursion, so a chain of any length cannot exhaust the stack.
   */
  function finish(name: string): void {
    // Each entry walks one finished step's successors; a successor skipped is walked at once (as
    // recursion would), so steps are recorded in the same order.
    const stack: { readonly successors: readonly string[]; next: number }[] = [{ successors: graph.downstream(name), next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as (typeof stack)[number];
      const next = top.successors[top.next++];
      if (next === undefined) {
        stack.pop();
        continue;
      }
      const left = (waitingOn.get(next) ?? 0) - 1;
      waitingOn.set(next, left);
      if (left !== 0) continue;
      const reason = decide(next);
      if (reason !== undefined && recordSkipped(next, reason)) stack.push({ successors: graph.downstream(next), next: 0 });
    }
  }

  /** All of `name`'s upstream steps are final: queues it, or returns why it is skipped. */
  function decide(name: string): string | undefined {
    const reason = skipReasonFor(incoming.get(name) ?? [], (upstream) => states.get(upstream));
    if (reason !== undefined) return reason;
    if (selected && !selected.has(name) && !reused.has(name)) return 'not selected for this execution';
    ready.push(name);
    return undefined;
  }

  const reuseResult = (name: string): void => {
    const node = graph.nodes.get(name);
    const source = options.reuse?.execution.steps.find((s) => s.stepName === name);
    if (!node || !source) return;
    const rec = addRecord(name, node.step);
    // A retried execution keeps its succeeded steps as they were; a selective one marks where they came from.
    Object.assign(rec, structuredClone(source), isRetry ? {} : { reusedFrom: options.reuse?.execution.executionArn });
    const reusedOutputs: StepOutputs = {
      stepType: node.step.Type,
      properties: source.properties ?? {},
      propertyFiles: source.propertyFiles ?? {},
      outputParameters: source.outputParameters ?? {},
    };
    outputs.set(name, reusedOutputs);
    const outcome = source.metadata.Condition?.Outcome;
    states.set(name, { status: 'Succeeded', ...(outcome ? { outcome: outcome === 'True' } : {}) });
    persist();
    reporter.stepSucceeded?.({ executionId: identity.executionId, step: rec });
    finish(name);
  };

  const start = (name: string): void => {
    const node = graph.nodes.get(name);
    if (!node) return;
    if (reused.has(name)) {
      reuseResult(name);
      return;
    }
    const rec = addRecord(name, node.step);
    persist();
    inFlight++;
    void runStep(env, node.step, executorFor(node.step), rec)
      .catch((error: unknown) => {
        // runStep records failures itself; this is a bug in the engine, kept visible in the record.
        rec.status = 'Failed';
        rec.failureReason = `internal error: ${(error as Error).message}`;
        persist();
        return { status: 'Failed' as const, outputs: undefined, outcome: undefined };
      })
      .then((result) => {
        inFlight--;
        states.set(name, { status: result.status, ...(result.outcome === undefined ? {} : { outcome: result.outcome }) });
        if (result.outputs) outputs.set(name, result.outputs);
        if (result.status === 'Failed') {
          failed = true;
          firstFailure ??= name;
        }
        finish(name);
        wake();
      })
      .catch((error: unknown) => {
        // A bug in the bookkeeping above (or a reporter hook that throws): the execution ends
        // Failed with it, and its record is kept, rather than the process dying with the promise.
        engineError ??= error;
        failed = true;
        wake();
      });
  };

  for (const name of graph.order) {
    if ((waitingOn.get(name) ?? 0) !== 0) continue;
    const reason = decide(name);
    if (reason !== undefined) skip(name, reason);
  }
  try {
    for (;;) {
      while (ready.length > 0 && inFlight < options.config.maxParallel && !failed && !stopRequested) {
        start(ready.shift() as string);
      }
      if (inFlight === 0 && (ready.length === 0 || failed || stopRequested)) break;
      await new Promise<void>((resolve) => {
        wakeUp = resolve;
      });
    }
  } finally {
    finished = true;
    options.signal?.removeEventListener('abort', onAbort);
  }

  // Steps that never started: recorded so the history says what happened to every step.
  const notStarted = stopRequested ? 'not started: the execution was stopped' : failed ? `not started: step ${firstFailure ?? '?'} failed` : 'not started';
  for (const name of graph.order) if (!recorded.has(name)) skip(name, notStarted);

  const end = clock.now().toISOString();
  record.status = stopRequested ? 'Stopped' : failed ? 'Failed' : 'Succeeded';
  if (record.status === 'Failed') {
    record.failureReason = engineError === undefined ? STEP_FAILURE_REASON : `internal error: ${engineError instanceof Error ? engineError.message : String(engineError)}`;
  }
  record.endTime = end;
  persist();
  await options.store.flush();
  reporter.executionFinished?.(record);
  return record;
}

function checkReuse(graph: PipelineGraph, options: ExecutionOptions): void {
  const reuse = options.reuse;
  if (!reuse) return;
  const problems: string[] = [];
  for (const name of reuse.steps) {
    if (!graph.nodes.has(name)) {
      problems.push(`${name}: the pipeline has no such step`);
      continue;
    }
    const source = reuse.execution.steps.find((s) => s.stepName === name);
    if (!source) problems.push(`${name}: did not run in ${reuse.execution.executionId}`);
    else if (source.status !== 'Succeeded') problems.push(`${name}: ${source.status} in ${reuse.execution.executionId}, only succeeded steps can be reused`);
  }
  if (problems.length > 0) {
    throw new SagesimError('CANNOT_REUSE_STEPS', `cannot reuse step results from ${reuse.execution.executionArn}:\n  ${problems.join('\n  ')}`, {
      source: 'user',
      hint: 'select the steps to run again, or pick a source execution where the others succeeded',
    });
  }
}

/** Property file name -> the step declaring it, for the legacy Std:JsonGet form that names the file only. */
function propertyFileOwners(graph: PipelineGraph): Map<string, string> {
  const owners = new Map<string, string>();
  for (const node of graph.nodes.values()) {
    if (!('PropertyFiles' in node.step)) continue;
    for (const file of node.step.PropertyFiles ?? []) owners.set(file.PropertyFileName, node.name);
  }
  return owners;
}

async function resolveExperimentConfig(definition: PipelineDefinition, ctx: ResolveContext): Promise<ResolveContext['experimentConfig']> {
  const config = definition.PipelineExperimentConfig;
  if (!config) return undefined;
  const render = async (value: JsonValue | undefined): Promise<string | undefined> =>
    value === undefined || value === null ? undefined : renderJoinValue(await resolveValue(value, ctx));
  const experimentName = await render(config.ExperimentName);
  const trialName = await render(config.TrialName);
  return {
    ...(experimentName === undefined ? {} : { ExperimentName: experimentName }),
    ...(trialName === undefined ? {} : { TrialName: trialName }),
  };
}
