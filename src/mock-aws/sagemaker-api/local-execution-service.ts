// The API's executions run in this process through the local engine and land in the same store
// as CLI runs, so `sagesim ls` shows them. Running executions are tracked here to stop them and to
// answer reads from their live state rather than from the (coalesced) file writes.
import type { LaunchPlan } from '../../app/plan-launch.js';
import type { SagesimConfig } from '../../config.js';
import type { Reporter } from '../../engine/events.js';
import type { ExecutionRecord } from '../../engine/execution-record.js';
import { runPipeline } from '../../app/run-pipeline.js';
import type { RunEnvironment } from '../../runtime/create-environment.js';
import type { StubOptions } from '../../steps/stub-executor.js';
import { SagesimError, StoppedError } from '../../errors.js';
import { deliverCallback, pendingCallbacks } from '../callback-mailbox.js';
import type { CallbackOutcome, ExecutionService, StartExecutionRequest } from './api-backend.js';

export interface LocalExecutionServiceOptions {
  readonly config: SagesimConfig;
  /** Executors, object store, execution store and clock every execution uses. */
  readonly environment: RunEnvironment;
  /** Job steps run as these stubs (serve --stub-all / --stubs). */
  readonly stubs?: StubOptions;
  /** Told about every execution's events (the server's log). */
  readonly reporter?: Reporter;
  /** Told when an execution ends with an error the engine did not record (a bug, a full disk). */
  readonly onError?: (executionArn: string, error: unknown) => void;
}

interface Running {
  readonly controller: AbortController;
  /** The engine's live record, mutated as the execution goes. */
  readonly live: Readonly<ExecutionRecord>;
}

export class LocalExecutionService implements ExecutionService {
  private readonly running = new Map<string, Running>();
  /** Every execution of this service until it ended and its record is on disk. */
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly options: LocalExecutionServiceOptions) {}

  async start(request: StartExecutionRequest): Promise<ExecutionRecord> {
    return this.launch({ request, plan: request.plan });
  }

  /** The cloud retries in place: the same execution (same ARN) runs again as the plan says. */
  async retry(record: ExecutionRecord, options: { readonly plan: LaunchPlan; readonly maxParallel?: number }): Promise<ExecutionRecord> {
    return this.launch({
      request: {
        pipelineName: record.pipelineName,
        definition: record.definition,
        parameters: record.parameters,
        ...(record.displayName === undefined ? {} : { displayName: record.displayName }),
        ...(options.maxParallel === undefined ? {} : { maxParallel: options.maxParallel }),
      },
      plan: options.plan,
    });
  }

  async stop(executionArn: string): Promise<void> {
    const running = this.running.get(executionArn);
    if (!running) {
      throw new SagesimError('EXECUTION_NOT_RUNNING_HERE', `execution ${executionArn} is not running in this server`, {
        source: 'user',
        hint: 'an execution started by `sagesim run` is stopped with Ctrl-C in its terminal',
      });
    }
    running.controller.abort(new StoppedError('stopped by StopPipelineExecution'));
  }

  async get(executionArn: string): Promise<ExecutionRecord | undefined> {
    const live = this.running.get(executionArn)?.live;
    if (live) return (await this.withCallbackTokens([structuredClone(live) as ExecutionRecord]))[0];
    const id = executionArn.slice(executionArn.lastIndexOf('/') + 1);
    if (!/^[a-z0-9]+$/.test(id)) return undefined;
    const record = await this.options.environment.store.get(id);
    return record && record.executionArn === executionArn ? (await this.withCallbackTokens([record]))[0] : undefined;
  }

  async list(): Promise<ExecutionRecord[]> {
    const stored = await this.options.environment.store.list();
    return this.withCallbackTokens(
      stored.map((record) => {
        const live = this.running.get(record.executionArn)?.live;
        return live ? (structuredClone(live) as ExecutionRecord) : record;
      }),
    );
  }

  /**
   * A waiting Callback step has no result yet, so the engine's record does not hold its token;
   * the cloud lists it while the step waits (that is how a client finds the token to answer), so
   * it is taken from the callback mailbox.
   */
  private async withCallbackTokens(records: ExecutionRecord[]): Promise<ExecutionRecord[]> {
    const waiting = (record: ExecutionRecord): boolean =>
      record.steps.some((step) => step.stepType === 'Callback' && (step.status === 'Executing' || step.status === 'Starting') && !step.metadata.Callback);
    if (!records.some(waiting)) return records;
    const pending = await pendingCallbacks(this.options.config.home);
    for (const record of records) {
      if (!waiting(record)) continue;
      for (const step of record.steps) {
        if (step.stepType !== 'Callback' || step.metadata.Callback) continue;
        const callback = pending.find((p) => p.executionArn === record.executionArn && p.stepName === step.stepName);
        if (callback) step.metadata = { ...step.metadata, Callback: { CallbackToken: callback.token } };
      }
    }
    return records;
  }

  async deliverCallback(token: string, outcome: CallbackOutcome): Promise<{ readonly executionArn: string }> {
    const home = this.options.config.home;
    const pending = (await pendingCallbacks(home)).find((callback) => callback.token === token);
    await deliverCallback(
      home,
      token,
      outcome.kind === 'success' ? { status: 'Success', outputParameters: outcome.outputParameters } : { status: 'Failure', failureReason: outcome.failureReason },
    );
    if (!pending) throw new SagesimError('CALLBACK_NOT_FOUND', `no step is waiting for callback token ${token}`, { source: 'user' });
    return { executionArn: pending.executionArn };
  }

  /** Stops every running execution and waits for them to end (server shutdown). */
  async close(): Promise<void> {
    for (const running of this.running.values()) running.controller.abort(new StoppedError('the server is shutting down'));
    await Promise.allSettled([...this.inflight]);
  }

  private launch(launch: {
    readonly request: Pick<StartExecutionRequest, 'definition' | 'parameters' | 'displayName' | 'maxParallel'> & { readonly pipelineName?: string; readonly pipeline?: StartExecutionRequest['pipeline'] };
    readonly plan: LaunchPlan;
  }): Promise<ExecutionRecord> {
    const { config, environment } = this.options;
    const { request } = launch;
    const pipelineName = request.pipeline?.PipelineName ?? request.pipelineName ?? 'pipeline';
    const controller = new AbortController();
    return new Promise<ExecutionRecord>((resolveStarted, rejectStarted) => {
      let entry: Running | undefined;
      const finished = runPipeline({
        definition: request.definition,
        parameters: request.parameters,
        pipelineName,
        ...(request.pipeline?.RoleArn === undefined ? {} : { roleArn: request.pipeline.RoleArn }),
        ...(request.displayName === undefined ? {} : { displayName: request.displayName }),
        config: request.maxParallel === undefined ? config : { ...config, maxParallel: request.maxParallel },
        executors: environment.executors,
        ...(this.options.stubs ? { stubs: this.options.stubs } : {}),
        objectStore: environment.objectStore,
        store: environment.store,
        ...(this.options.reporter ? { reporter: this.options.reporter } : {}),
        clock: environment.clock,
        signal: controller.signal,
        ...launch.plan,
        onStarted: (record) => {
          entry = { controller, live: record };
          this.running.set(record.executionArn, entry);
          resolveStarted(structuredClone(record) as ExecutionRecord);
        },
      });
      const done = finished
        .catch((error: unknown) => {
          if (!entry) rejectStarted(error);
          else this.options.onError?.(entry.live.executionArn, error);
        })
        // Reads go to the store once the execution leaves this map: let its last write land first.
        .then(() => environment.store.flush())
        .catch((error: unknown) => this.options.onError?.(entry?.live.executionArn ?? pipelineName, error))
        .finally(() => {
          if (entry) this.running.delete(entry.live.executionArn);
          this.inflight.delete(done);
        });
      this.inflight.add(done);
    });
  }
}
