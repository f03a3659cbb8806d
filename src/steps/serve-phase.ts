// The "serve and invoke" container phase (batch transform): the job's container is started in the
// background with the port in SAGEMAKER_BIND_TO_PORT, GET /ping is awaited, the job's requests are
// sent, and the container is stopped whatever happens. A container that ends on its own while the
// requests are sent (a crash, the kernel's kill for memory) explains their failure. Staging, the
// container's spec, logs, failure reasons and properties stay the job runner's.
import { type Clock, systemClock } from '../engine/clock.js';
import { StepFailure, StoppedError } from '../errors.js';
import type { ContainerExit, RunningContainer } from '../ports/container-engine.js';
import type { ContainerPhase, PhaseEnd } from './container-phase.js';
import { FAILURE_LOG_LINES, logsCommand } from './failure-reason.js';
import { containerEngineFailure, jobContainerSpec, jobLogListener, throwIfStopped, type JobContainer, type JobContext, type JobDeps } from './job-container.js';
import { type ModelServer, type ModelServerFactory, findFreePort, httpModelServer, waitForPing } from './transform-invoker.js';

export interface ServePhaseOptions {
  /** @default HTTP to 127.0.0.1:<port> */
  readonly modelServer?: ModelServerFactory;
  /** @default a free port on 127.0.0.1 */
  readonly freePort?: () => Promise<number>;
  /** Paces /ping polling. @default systemClock */
  readonly clock?: Clock;
  /** How long the container may take to answer /ping. @default 300 */
  readonly pingTimeoutSeconds?: number;
  /** Between /ping attempts. @default 250 */
  readonly pingIntervalMs?: number;
}

/** The serving container, ready: where to send requests, and its log for messages. */
export interface ServingSession {
  readonly server: ModelServer;
  readonly running: RunningContainer;
  /**
   * After a request found nobody listening: whether the container has ended on its own. A dying
   * process resets its connections a moment before the engine reports its exit, so this waits for
   * that report, at most GONE_GRACE_MS (a container still alive costs that wait, once).
   */
  gone(): Promise<boolean>;
}

/** Covers the engine's report of an exit (the Docker adapter lets the output drain up to 2 s first). */
const GONE_GRACE_MS = 10_000;

/** The container's exit when it came before sagesim stopped the container; `stop` stops it. */
interface OwnExit {
  readonly ended: () => ContainerExit | undefined;
  readonly stop: () => Promise<void>;
}

function watchOwnExit(running: RunningContainer): OwnExit {
  let ended: ContainerExit | undefined;
  let stopping = false;
  running.exited.then(
    (exit) => {
      if (!stopping) ended = exit;
    },
    () => undefined,
  );
  return {
    ended: () => ended,
    stop: async () => {
      stopping = true;
      await running.stop();
    },
  };
}

/** What the job does with the ready container (send every batch); a failure it throws fails the job. */
export type ServeWork = (session: ServingSession) => Promise<void>;

/** A phase that serves the job's container and runs `work` against it once /ping answers. */
export function serveAndInvoke(options: ServePhaseOptions, work: ServeWork): ContainerPhase {
  return {
    async run(deps, context, job) {
      throwIfStopped(context.signal);
      const port = await (options.freePort ?? findFreePort)();
      const running = await startServing(deps, context, job, port);
      const own = watchOwnExit(running);
      try {
        const server = (options.modelServer ?? httpModelServer)(port);
        const session: ServingSession = { server, running, gone: () => goneWithin(running, own, options.clock ?? systemClock, context.signal) };
        return (await awaitPing(options, context, job, server, running, port)) ?? (await workOn(session, context, work, own));
      } finally {
        await own.stop();
      }
    },
  };
}

/** Runs the work against the ready container; once it is done the job is, and nothing failed. */
async function workOn(session: ServingSession, context: JobContext, work: ServeWork, own: OwnExit): Promise<PhaseEnd> {
  try {
    await work(session);
  } catch (error) {
    const ended = await endedOnItsOwn(context, session.running, own);
    if (ended === undefined) throw error;
    return ended;
  }
  return { exit: { exitCode: 0, oomKilled: false, timedOut: false, stopped: false, logTail: session.running.logTail() } };
}

async function goneWithin(running: RunningContainer, own: OwnExit, clock: Clock, signal: AbortSignal): Promise<boolean> {
  if (own.ended() !== undefined) return true;
  // The sleep is cancelled once the race is decided: no timer outlives the answer.
  const done = new AbortController();
  try {
    await Promise.race([running.exited.catch(() => undefined), clock.sleep(GONE_GRACE_MS, AbortSignal.any([signal, done.signal])).catch(() => undefined)]);
  } finally {
    done.abort();
  }
  return own.ended() !== undefined;
}

/**
 * A container that ended by itself explains every request that failed after it: the runner then
 * says how it ended (its exit code, or the kernel's kill with the instance type's limit) with its
 * log. The engine records a kill for memory whoever stopped the container, so that one does not
 * depend on whether the kill or the failed request was noticed first.
 */
async function endedOnItsOwn(context: JobContext, running: RunningContainer, own: OwnExit): Promise<PhaseEnd | undefined> {
  if (context.signal.aborted) return undefined;
  await own.stop();
  const ended = own.ended();
  const exit = ended ?? (await running.exited.catch(() => undefined));
  if (exit?.oomKilled === true) return { exit, early: { code: 'TRANSFORM_CONTAINER_EXITED', note: 'The serving container was killed while requests were sent to /invocations.' } };
  if (ended === undefined) return undefined;
  return { exit: ended, early: { code: 'TRANSFORM_CONTAINER_EXITED', note: 'The serving container exited on its own while requests were sent to /invocations.' } };
}

/** Starts the container in the background; the port it must listen on is a job variable, as in SageMaker. */
async function startServing(deps: JobDeps, context: JobContext, job: JobContainer, port: number): Promise<RunningContainer> {
  const spec = jobContainerSpec(context, { ...job, env: { ...job.env, SAGEMAKER_BIND_TO_PORT: String(port) } });
  try {
    return await deps.runtime.start(spec, { signal: context.signal, onLog: jobLogListener(context, job) });
  } catch (error) {
    throw containerEngineFailure(context, `start the serving container of ${job.localImage}`, error);
  }
}

/**
 * Waits for GET /ping to answer 200. A container that exits first ends the phase early (the runner
 * explains its exit); one that never answers fails the job saying what a serving image must do.
 */
async function awaitPing(
  options: ServePhaseOptions,
  context: JobContext,
  job: JobContainer,
  server: ModelServer,
  running: RunningContainer,
  port: number,
): Promise<PhaseEnd | undefined> {
  const pingTimeoutSeconds = options.pingTimeoutSeconds ?? 300;
  const outcome = await waitForPing(server, {
    signal: context.signal,
    timeoutMs: pingTimeoutSeconds * 1000,
    exited: running.exited,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.pingIntervalMs === undefined ? {} : { intervalMs: options.pingIntervalMs }),
  });
  if (outcome === 'exited') return endedBeforePing(await running.exited);
  if (outcome === 'timeout') {
    throw new StepFailure(
      `AlgorithmError: step "${context.stepName}": the serving container (image ${job.localImage}) did not answer GET /ping with 200 within ${pingTimeoutSeconds} s. ` +
        `Serving images must listen on the port in SAGEMAKER_BIND_TO_PORT (here ${port}) when started with \`serve\`.${servingLogTail(running.logTail())}\nFull log: ${logsCommand(context.execution.executionId, context.stepName)}`,
      { code: 'TRANSFORM_PING_TIMEOUT' },
    );
  }
  return undefined;
}

function endedBeforePing(exit: ContainerExit): PhaseEnd {
  if (exit.stopped) throw new StoppedError();
  return { exit, early: { code: 'TRANSFORM_CONTAINER_EXITED', note: 'The serving container (`serve`) ended before answering GET /ping.' } };
}

/** The last lines of the serving container's log, for a message about it. */
export function servingLogTail(lines: readonly string[]): string {
  const tail = lines.slice(-FAILURE_LOG_LINES);
  return tail.length === 0 ? '' : `\nLast ${tail.length} lines of the serving container's log:\n${tail.map((l) => `  | ${l}`).join('\n')}`;
}
