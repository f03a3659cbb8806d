// One executor per runnable step type. The contract is the engine's (engine/step-executor.ts):
// the scheduler resolves a step's arguments, then hands them to the executor the application
// assigned the step. Executors get their own dependencies (container runtime, image map, model
// registry) through their constructors, built at the edge.
import type { ExecutorTable, RunnableStepType, StepExecutor } from '../engine/step-executor.js';

export type { ExecutorTable, RunnableStepType, StepContext, StepExecutor, StepResult, StepRunner } from '../engine/step-executor.js';

/** `table` with each of `overrides` in the place of the executor of its type. */
export function withExecutors(table: ExecutorTable, overrides: readonly StepExecutor[]): ExecutorTable {
  const out: Record<RunnableStepType, StepExecutor> = { ...table };
  for (const executor of overrides) out[executor.stepType] = executor;
  return out;
}
