// The catalogue of warning codes: what a run reports that is not an error (a setting that runs
// differently here than in SageMaker, a stand-in value, a cache miss). Users see the message as
// before; events and JSON output carry the code.
import type { Audience } from './exit-codes.js';
import type { ProblemCode } from './problem-codes.js';

export interface WarningCodeInfo {
  readonly audience: Audience;
  readonly meaning: string;
}

const user = { audience: 'user' } as const;
const environment = { audience: 'environment' } as const;

export const WARNING_CODES = {
  PIPE_MODE_AS_FILE: { ...user, meaning: 'an input in Pipe mode is staged as a file locally' },
  INSTANCE_COUNT_AS_ONE: { ...user, meaning: 'a job asking for several instances runs as one local container' },
  GPU_AS_CPU: { ...user, meaning: 'a GPU instance type runs on the CPU (no GPU offered, or gpu: false)' },
  TUNING_STRATEGY_AS_RANDOM: { ...user, meaning: 'a tuning strategy other than Random runs as Random locally' },
  EARLY_STOPPING_IGNORED: { ...user, meaning: 'tuning early stopping is ignored locally' },
  MODEL_REPLACED: { ...user, meaning: 'CreateModel replaced a local model of the same name, which SageMaker would refuse' },
  STUB_STAND_IN_RESULT: { ...user, meaning: 'a stub wrote a stand-in result for a @step function' },
  STUB_STAND_IN_PROPERTY_FILE: { ...user, meaning: 'a stub wrote a stand-in property file' },
  CALLBACK_WAITING: { ...user, meaning: 'a Callback step waits for its token to be answered' },
  CACHE_MISS: { ...user, meaning: 'a step with caching enabled ran again; the message says why the cache missed' },
  CACHE_RECORD_FAILED: { ...environment, meaning: 'a cache entry could not be recorded' },
  STEP_LOG_CLOSE_FAILED: { ...environment, meaning: 'a step\'s log file could not be closed' },
} as const satisfies Readonly<Record<string, WarningCodeInfo>>;

export type WarningCode = keyof typeof WARNING_CODES;

/**
 * A warning as the reporter receives it. Preflight and definition warnings carry their problem's
 * code (a step type that is not local, inside a branch that may not run).
 */
export interface Warning {
  readonly code: WarningCode | ProblemCode;
  readonly message: string;
}
