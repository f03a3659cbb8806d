// Runs a pipeline definition as a DAG: ready steps start up to maxParallel at a time, a condition's
// outcome decides its branch, a failure lets running steps finish and starts nothing new, and a
// stop (SIGINT, StopPipelineExecution) aborts running work. The engine never prints: everything
// goes to the execution store and the reporter.
import type { SagesimConfig } from '../config.js';
import { SagesimError, assertNever } from '../errors.js';
import type { ObjectStore } from '../ports/object-store.js';
import { CONTROL_RUNNERS } from './control-steps.js';
import { type Clock, systemClock } from './clock.js';
import type { ParameterValue, PipelineDefinition, PipelineStep } from './definition-types.js';
import { type Reporter, combineReporters } from './events.js';
import type { ExecutionOwner, ExecutionRecord, StepRecord } from './execution-record.js';
import type { ExecutionStore } from './execution-store.js';
import { renderJoinValue, resolveValue } from './expressions.js';
import { buildGraph, type PipelineGraph, type StepNode } from './graph.js';
import { newExecutionIdentity, pipelineAccountId } from './identity.js';
import type { JsonValue } from './json.js';
import { resolveParameters } from './parameters.js';
import type { ExecutionIdentity, ResolveContext, StepOutputs } from './resolve-context.js';
import { Schedule, type ScheduleCommand } from './schedule.js';
import type { UpstreamState } from './skip-rules.js';
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
  /** The process recorded as running the execution (the launcher's: app/run-pipeline.ts). */
  readonly owner: ExecutionOwner;
}

/** Runs the pipeline to its end and returns the final record (also saved in the store). */
export async function runExecution(options: ExecutionOptions): Promise<ExecutionRecord> {
  const clock = options.clock ?? systemClock;
  const graph = buildGraph(options.definition);
  const parameters = resolveParameters(options.definition.Parameters ?? [], options.parameters ?? {});
  checkReuse(graph, options);
  const identity = options.identity ?? newIdentity(options, clock);
  const record = newRecord(options, identity, parameters);
  const driver = new ExecutionDriver(options, graph, identity, record, clock);
  return driver.run();
}

function newIdentity(options: ExecutionOptions, clock: Clock): ExecutionIdentity {
  return newExecutionIdentity({
    pipelineName: options.pipelineName,
    region: options.config.region,
    accountId: pipelineAccountId({ roleArn: options.roleArn, definition: options.definition, configured: options.config.accountId }),
    now: clock.now(),
    random: options.random,
  });
}

/** The execution's record as it starts: Executing, no step yet. */
function newRecord(options: ExecutionOptions, identity: ExecutionIdentity, parameters: ExecutionRecord['parameters']): ExecutionRecord {
  const startIso = identity.startTime.toISOString();
  const isRetry = options.reuse?.execution.executionArn === identity.executionArn;
  const reuseSource = isRetry ? options.reuse?.execution.sourceExecutionArn : options.reuse?.execution.executionArn;
  return {
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
    owner: options.owner,
  };
}

/** Performs the schedule's commands: runs steps, copies reused ones, records skips, ends the execution. */
class ExecutionDriver {
  private readonly reporter: Reporter;
  private readonly schedule: Schedule;
  private readonly outputs = new Map<string, StepOutputs>();
  // Stopping: the execution's own controller, so executors and back-off waits see one signal.
  private readonly abort = new AbortController();
  private stopRequested = false;
  private finished = false;
  private engineError: unknown;
  /** The run loop sleeps until a step ends or a stop arrives. */
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly options: ExecutionOptions,
    private readonly graph: PipelineGraph,
    private readonly identity: ExecutionIdentity,
    private readonly record: ExecutionRecord,
    private readonly clock: Clock,
  ) {
    this.reporter = combineReporters(options.reporter);
    this.schedule = new Schedule(graph, {
      maxParallel: options.config.maxParallel,
      ...(options.onlySteps ? { selected: new Set(options.onlySteps) } : {}),
      reused: new Set(options.reuse?.steps ?? []),
    });
  }

  async run(): Promise<ExecutionRecord> {
    const env = await this.stepEnvironment();
    const onAbort = (): void => this.onAbort();
    this.options.signal?.addEventListener('abort', onAbort, { once: true });
    this.persist();
    this.reporter.executionStarted?.(this.record);
    this.options.onStarted?.(this.record);
    if (this.options.signal?.aborted) this.onAbort();
    this.performAll(env, this.schedule.begin());
    try {
      for (;;) {
        for (let command = this.schedule.next(); command !== undefined; command = this.schedule.next()) this.perform(env, command);
        if (this.schedule.idle) break;
        await new Promise<void>((resolve) => {
          this.wakeUp = resolve;
        });
      }
    } finally {
      this.finished = true;
      this.options.signal?.removeEventListener('abort', onAbort);
    }
    return this.end(env);
  }

  private async stepEnvironment(): Promise<StepRunEnvironment> {
    const { options, identity, clock } = this;
    const owners = propertyFileOwners(this.graph);
    const contextWith = (experimentConfig: ResolveContext['experimentConfig'], currentStep?: ResolveContext['currentStep']): ResolveContext => ({
      parameters: this.record.parameters,
      execution: identity,
      now: () => clock.now(),
      ...(currentStep ? { currentStep } : {}),
      ...(experimentConfig ? { experimentConfig } : {}),
      stepOutputs: (name) => this.outputs.get(name),
      objectStore: options.objectStore,
      propertyFileOwner: (name) => owners.get(name),
    });
    const experimentConfig = await resolveExperimentConfig(options.definition, contextWith(undefined));
    return {
      identity,
      record: this.record,
      objectStore: options.objectStore,
      store: options.store,
      reporter: this.reporter,
      clock,
      signal: this.abort.signal,
      cacheEnabled: options.config.cache,
      cacheMode: options.config.cacheLikeCloud ? 'arguments' : 'content',
      resolveContext: (currentStep) => contextWith(experimentConfig, currentStep),
      persist: () => this.persist(),
      random: options.random,
    };
  }

  private persist(): void {
    this.record.lastModifiedTime = this.clock.now().toISOString();
    this.options.store.save(this.record);
  }

  private wake(): void {
    const resolve = this.wakeUp;
    this.wakeUp = undefined;
    resolve?.();
  }

  private onAbort(): void {
    if (this.stopRequested || this.finished) return;
    this.stopRequested = true;
    this.schedule.stop();
    this.record.status = 'Stopping';
    this.persist();
    this.abort.abort(this.options.signal?.reason);
    this.wake();
  }

  private performAll(env: StepRunEnvironment, commands: readonly ScheduleCommand[]): void {
    for (const command of commands) this.perform(env, command);
  }

  private perform(env: StepRunEnvironment, command: ScheduleCommand): void {
    switch (command.kind) {
      case 'skip':
        return this.recordSkipped(command.name, command.reason);
      case 'reuse':
        return this.reuseResult(env, command.name);
      case 'start':
        return this.start(env, command.name);
      default:
        return assertNever(command, 'schedule command');
    }
  }

  private addRecord(name: string): StepRecord {
    const step = (this.graph.nodes.get(name) as StepNode).step;
    const rec: StepRecord = {
      stepName: name,
      stepType: step.Type,
      ...(step.DisplayName === undefined ? {} : { displayName: step.DisplayName }),
      status: 'Starting',
      attemptCount: 0,
      metadata: {},
    };
    this.record.steps.push(rec);
    return rec;
  }

  private recordSkipped(name: string, reason: string): void {
    const rec = this.addRecord(name);
    rec.status = 'Skipped';
    rec.skipReason = reason;
    this.persist();
    this.reporter.stepSkipped?.({ executionId: this.identity.executionId, step: rec });
  }

  private reuseResult(env: StepRunEnvironment, name: string): void {
    const reuse = this.options.reuse as ReuseSteps;
    const step = (this.graph.nodes.get(name) as StepNode).step;
    const source = reuse.execution.steps.find((s) => s.stepName === name) as StepRecord;
    const rec = this.addRecord(name);
    // A retried execution keeps its succeeded steps as they were; a selective one marks where they came from.
    const isRetry = reuse.execution.executionArn === this.identity.executionArn;
    Object.assign(rec, structuredClone(source), isRetry ? {} : { reusedFrom: reuse.execution.executionArn });
    this.outputs.set(name, {
      stepType: step.Type,
      properties: source.properties ?? {},
      propertyFiles: source.propertyFiles ?? {},
      outputParameters: source.outputParameters ?? {},
    });
    const outcome = source.metadata.Condition?.Outcome;
    this.persist();
    this.reporter.stepSucceeded?.({ executionId: this.identity.executionId, step: rec });
    this.performAll(env, this.schedule.ended(name, { status: 'Succeeded', ...(outcome ? { outcome: outcome === 'True' } : {}) }, false));
  }

  private start(env: StepRunEnvironment, name: string): void {
    const step = (this.graph.nodes.get(name) as StepNode).step;
    const rec = this.addRecord(name);
    this.persist();
    void runStep(env, step, this.assignmentFor(step), rec)
      .catch((error: unknown) => {
        // runStep records failures itself; this is a bug in the engine, kept visible in the record.
        rec.status = 'Failed';
        rec.failureReason = `internal error: ${(error as Error).message}`;
        this.persist();
        return { status: 'Failed' as const, outputs: undefined, outcome: undefined };
      })
      .then((result) => {
        if (result.outputs) this.outputs.set(name, result.outputs);
        const state: UpstreamState = { status: result.status, ...(result.outcome === undefined ? {} : { outcome: result.outcome }) };
        this.performAll(env, this.schedule.ended(name, state, true));
        this.wake();
      })
      .catch((error: unknown) => {
        // A bug in the bookkeeping above (or a reporter hook that throws): the execution ends
        // Failed with it, and its record is kept, rather than the process dying with the promise.
        this.engineError ??= error;
        this.schedule.fail();
        this.wake();
      });
  }

  private assignmentFor(step: PipelineStep): StepAssignment {
    const assignment = isControlStep(step) ? { runner: CONTROL_RUNNERS[step.Type] } : this.options.assign(step);
    return this.options.decorate ? this.options.decorate(step, assignment) : assignment;
  }

  private async end(env: StepRunEnvironment): Promise<ExecutionRecord> {
    // Steps that never started: recorded so the history says what happened to every step.
    const { commands, outcome } = this.schedule.end();
    this.performAll(env, commands);
    const record = this.record;
    record.status = outcome;
    if (outcome === 'Failed') {
      const error = this.engineError;
      record.failureReason = error === undefined ? STEP_FAILURE_REASON : `internal error: ${error instanceof Error ? error.message : String(error)}`;
    }
    record.endTime = this.clock.now().toISOString();
    this.persist();
    await this.options.store.flush();
    this.reporter.executionFinished?.(record);
    return record;
  }
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
