// The executors of every runnable step type, built from one set of dependencies at the edge. The
// table is keyed by step type: a new type does not compile until it has its executor here (and
// its facts in engine/step-kinds.ts).
import type { SagesimConfig } from '../config.js';
import type { Reporter } from '../engine/events.js';
import { ModelRegistry } from '../mock-aws/model-registry.js';
import { resolveImage } from '../images/image-mapping.js';
import type { ObjectStore } from '../ports/object-store.js';
import type { ContainerRuntime } from '../ports/container-engine.js';
import { CallbackExecutor } from './callback-executor.js';
import type { ExecutorTable } from './executor.js';
import type { ImageResolver, JobDeps } from './job-container.js';
import { LambdaExecutor } from './lambda-executor.js';
import { ModelExecutor } from './model-executor.js';
import { ProcessingExecutor } from './processing-executor.js';
import { PythonSdkLocator, type SdkLocator } from './remote-function/sdk-locator.js';
import { RegisterModelExecutor } from './register-model-executor.js';
import { TrainingExecutor } from './training-executor.js';
import { TransformExecutor } from './transform-executor.js';
import { TuningExecutor } from './tuning-executor.js';
import { UnsupportedStepExecutor } from './unsupported-executor.js';

export interface ContainerExecutorDeps {
  readonly config: SagesimConfig;
  readonly runtime: ContainerRuntime;
  readonly objectStore: ObjectStore;
  /** The S3 endpoint containers reach (host networking: 127.0.0.1 works). */
  readonly s3Endpoint: string;
  readonly reporter?: Reporter;
  /** Maps image URIs to local tags. @default resolveImage over containers/images.json and config.images */
  readonly resolveImage?: ImageResolver;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** Memory limit of job containers by instance type. @default none */
  readonly memoryLimit?: (instanceType: string | undefined) => number | undefined;
  /** The user's SageMaker Python SDK, for `@step` function steps. @default a PythonSdkLocator over config.sagemakerSdk */
  readonly sdk?: SdkLocator;
}

/** An executor for every runnable step type (Condition and Fail are the scheduler's own). */
export function createContainerExecutors(deps: ContainerExecutorDeps): ExecutorTable {
  const jobDeps: JobDeps = {
    config: deps.config,
    runtime: deps.runtime,
    s3Endpoint: deps.s3Endpoint,
    resolveImage: deps.resolveImage ?? ((uri) => resolveImage(uri, deps.config)),
    now: deps.now ?? (() => new Date()),
    ...(deps.memoryLimit === undefined ? {} : { memoryLimit: deps.memoryLimit }),
    sdk: deps.sdk ?? new PythonSdkLocator(deps.config.sagemakerSdk),
  };
  const { home, region, accountId } = deps.config;
  return {
    Processing: new ProcessingExecutor(jobDeps),
    Training: new TrainingExecutor(jobDeps),
    Tuning: new TuningExecutor(jobDeps),
    Transform: new TransformExecutor(jobDeps),
    Model: new ModelExecutor({ home, now: jobDeps.now }),
    RegisterModel: new RegisterModelExecutor(new ModelRegistry({ home, region, accountId, now: jobDeps.now })),
    Lambda: new LambdaExecutor({ config: deps.config, runtime: deps.runtime, s3Endpoint: deps.s3Endpoint, resolveImage: jobDeps.resolveImage }),
    Callback: new CallbackExecutor({ home }),
    EMR: new UnsupportedStepExecutor('EMR'),
    QualityCheck: new UnsupportedStepExecutor('QualityCheck'),
    ClarifyCheck: new UnsupportedStepExecutor('ClarifyCheck'),
    AutoML: new UnsupportedStepExecutor('AutoML'),
  };
}
