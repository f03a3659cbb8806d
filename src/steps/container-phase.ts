// The container phase of a job: what the job runner does between "inputs staged" and "judge the
// exit". Training and Processing run their container to its end; Transform serves a model and
// sends it requests (serve-phase.ts). Everything around the phase is the runner's, for every job.
import type { SagesimCode } from '../errors.js';
import type { ContainerExit } from '../ports/container-engine.js';
import { type JobContainer, type JobContext, type JobDeps, runJobContainer } from './job-container.js';

/** A container that ended before its phase was done, maybe with exit code 0: the failure's code, and what to add to its reason. */
export interface EarlyEnd {
  readonly code: SagesimCode;
  readonly note: string;
}

/** How the phase ended, for the runner to judge (a non-zero exit, a timeout, or `early`, fail the job). */
export interface PhaseEnd {
  readonly exit: ContainerExit;
  /** The container ended before the phase was done (a serving container gone before /ping). */
  readonly early?: EarlyEnd;
}

/**
 * Runs the job's container (`job`, as the runner built it from the plan) through the phase.
 * Stopping throws StoppedError; an engine failure throws a StepFailure; a failing exit is returned.
 */
export interface ContainerPhase {
  run(deps: JobDeps, context: JobContext, job: JobContainer): Promise<PhaseEnd>;
}

/** The container runs to its end (`train`, a processing script). */
export const runToCompletion: ContainerPhase = {
  async run(deps, context, job) {
    return { exit: await runJobContainer(deps, context, job) };
  },
};
