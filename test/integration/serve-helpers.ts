// Starts `sagesim serve` in-process on a random 127.0.0.1 port over a fresh home, with the
// abalone pipeline's job steps stubbed and its RegisterModel step registering for real, so client
// tests (JS SDK, boto3, AWS CLI) drive create -> start -> poll -> steps -> approve in seconds.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveConfig } from '../../src/config.js';
import { ModelRegistry } from '../../src/mock-aws/model-registry.js';
import { type ServeHandle, startServe } from '../../src/mock-aws/serve.js';
import { CallbackExecutor } from '../../src/steps/callback-executor.js';
import { RegisterModelExecutor } from '../../src/steps/register-model-executor.js';
import type { StubOptions } from '../../src/steps/stub-executor.js';

export const ROLE_ARN = 'arn:aws:iam::111122223333:role/SageMakerExecutionRole';
export const ABALONE_FILE = path.resolve('fixtures/definitions/abalone.json');
export const ABALONE_GROUP = 'AbaloneModelPackageGroupName';
export const ABALONE_TRAIN_STEP = 'AbaloneTrain';
export const ABALONE_REGISTER_STEP = 'AbaloneRegisterModel-RegisterModel';

export function abaloneDefinition(): string {
  return readFileSync(ABALONE_FILE, 'utf8');
}

/** Job steps as stubs; the evaluation report says MSE 3.2, under the default threshold of 6. */
export const ABALONE_STUBS: StubOptions = {
  all: false,
  steps: {
    AbaloneProcess: {},
    AbaloneTrain: {},
    AbaloneEval: { propertyFiles: { EvaluationReport: { regression_metrics: { mse: { value: 3.2, standard_deviation: 1 } } } } },
    'AbaloneCreateModel-CreateModel': {},
    AbaloneTransform: {},
  },
};

export const CALLBACK_FILE = path.resolve('fixtures/definitions/lambda-callback.json');
export const CALLBACK_STEP = 'ManualDataApproval';

/** The Lambda step as a stub; the Callback step waits for a real callback. */
export const CALLBACK_STUBS: StubOptions = {
  all: false,
  steps: {
    LookupDatasetVersion: { outputParameters: { version: 'v3', s3_uri: 's3://sagesim-demo/customers/v3.csv' } },
    FeaturizeApprovedData: {},
    NotifyFeaturesReady: {},
  },
};

export const HOUSING_FILE = path.resolve('fixtures/housing/pipeline.json');
export const HOUSING_GROUP = 'sagesim-housing';

/** The housing pipeline's job steps as stubs; its evaluation says MSE 0.3 (threshold 0.5 by default). */
export const HOUSING_STUBS: StubOptions = {
  all: false,
  steps: {
    PreprocessHousingData: {},
    TrainModel: {},
    EvaluateModel: { propertyFiles: { EvaluationReport: { regression_metrics: { mse: { value: 0.3, standard_deviation: 0.1 } } } } },
    'HousingModel-CreateModel': {},
    TransformTestData: {},
  },
};

export interface ServeFixture {
  readonly serve: ServeHandle;
  readonly home: string;
  close(): Promise<void>;
}

export interface TestServeOptions {
  /** `undefined` runs every step for real (containers). */
  readonly stubs: StubOptions | undefined;
  /** Callback steps wait for SendPipelineExecutionStepSuccess/Failure (mailbox polled every 50 ms). */
  readonly callbacks?: boolean;
  /** The browser console's built assets (scripts/build-console.mjs --out DIR). */
  readonly consoleAssetsDir?: string;
}

export async function startTestServe(options: TestServeOptions = { stubs: ABALONE_STUBS }): Promise<ServeFixture> {
  const home = mkdtempSync(path.join(tmpdir(), 'sagesim-serve-'));
  const config = resolveConfig({ cwd: process.cwd(), home }, {});
  const registry = new ModelRegistry({ home, region: config.region, accountId: config.accountId });
  const serve = await startServe({
    config,
    port: 0,
    ...(options.stubs ? { stubs: options.stubs } : {}),
    ...(options.consoleAssetsDir ? { consoleAssetsDir: options.consoleAssetsDir } : {}),
    environment: {
      executors: [new RegisterModelExecutor(registry), ...(options.callbacks ? [new CallbackExecutor({ home, pollIntervalMs: 50 })] : [])],
    },
  });
  return {
    serve,
    home,
    async close() {
      await serve.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
