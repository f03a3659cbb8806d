// The real SageMaker Python SDK (the vendored 2.230.0) drives each corpus pipeline against
// `sagesim serve` with the stock images: upsert (create and update), start with parameters of every
// type, a Callback answered, wait, list_steps, list_parameters, selective execution, stop, delete.
// The job steps run in Docker, the churn pipeline's repack step running the SDK's own
// _repack_model.py that the SDK uploaded while it built the definition.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { loadManifest, seedManifest } from '../../src/fixtures/manifest.js';
import { S3ObjectStore } from '../../src/mock-aws/s3-object-store.js';
import { type ServeHandle, startServe } from '../../src/mock-aws/serve.js';
import { findSagemakerSdk } from './support/sagemaker-sdk.js';

const run = promisify(execFile);
const CORPUS = path.resolve(import.meta.dirname, '../../fixtures/sdk-corpus');
const SCRIPTS = path.join(CORPUS, 'scripts');
const sdk = findSagemakerSdk();
if (!sdk.ok) console.warn(`sdk-conformance skipped: ${sdk.why}`);

interface Seen {
  readonly pipeline: string;
  readonly created: string;
  readonly updated: string;
  readonly description: string;
  readonly status: string;
  readonly failureReason: string | null;
  readonly steps: Record<string, string>;
  readonly stepFailures: Record<string, string | null>;
  readonly parameters: Record<string, string>;
  readonly selectiveStatus: string;
  readonly selectiveSteps: Record<string, string>;
  readonly stoppedStatus: string;
  readonly registeredArchive?: string[];
  readonly deleted: boolean;
}

describe.skipIf(!sdk.ok)('the SageMaker SDK drives the corpus pipelines through sagesim serve', { timeout: 1_800_000 }, () => {
  let home: string;
  let serve: ServeHandle;

  beforeAll(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'sagesim-sdk-conformance-'));
    const lambda = { kind: 'command' as const, command: ['python3', path.join(SCRIPTS, 'code/showcase/lookup_lambda.py')] };
    const config = resolveConfig(
      {
        cwd: home,
        home: path.join(home, '.sagesim'),
        lambdas: {
          'arn:aws:lambda:us-east-1:111122223333:function:sdk-showcase-lookup': lambda,
          'arn:aws:lambda:us-east-1:111122223333:function:sdk-showcase-notify': lambda,
        },
      },
      {},
    );
    serve = await startServe({ config, port: 0 });
    const client = new S3Client({ endpoint: serve.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const store = new S3ObjectStore({ client, endpoint: serve.endpoint, createBuckets: true });
    await seedManifest(loadManifest(path.join(CORPUS, '2.230.0', 'manifest.json')), store);
  }, 300_000);

  afterAll(async () => {
    await serve?.close();
    if (home) rmSync(home, { recursive: true, force: true });
    if (sdk.ok) sdk.release();
  });

  async function drive(pipeline: string): Promise<Seen> {
    if (!sdk.ok) throw new Error(sdk.why);
    const env = {
      ...process.env,
      PYTHONPATH: sdk.pythonPath,
      SAGESIM_ENDPOINT: serve.endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_DEFAULT_REGION: 'us-east-1',
      SAGEMAKER_SUPPRESS_V2_WARNING: '1',
    };
    try {
      const { stdout } = await run(sdk.python, [path.join(SCRIPTS, 'conformance.py'), pipeline], { env, maxBuffer: 64 * 1024 * 1024 });
      return JSON.parse(stdout.trim().split('\n').at(-1) as string) as Seen;
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      throw new Error(`conformance.py ${pipeline} failed:\n${String(stderr ?? '').split('\n').slice(-40).join('\n')}\n${String(stdout ?? '').slice(-2000)}`);
    }
  }

  function expectLifecycle(seen: Seen): void {
    expect(seen.updated).toBe(seen.created);
    expect(seen.description).toBe('sagesim conformance, updated');
    expect(seen.stoppedStatus).toBe('Stopped');
    expect(seen.deleted).toBe(true);
  }

  it('housing: processing, XGBoost training, evaluation, gate, register, create model, batch transform', async () => {
    const seen = await drive('housing');
    expect(seen.status, JSON.stringify(seen.stepFailures)).toBe('Succeeded');
    expect(seen.steps).toMatchObject({
      PreprocessHousingData: 'Succeeded',
      TrainHousingModel: 'Succeeded',
      EvaluateHousingModel: 'Succeeded',
      CheckMse: 'Succeeded',
      'RegisterHousingModel-RegisterModel': 'Succeeded',
      'CreateHousingModel-CreateModel': 'Succeeded',
      PredictHousingTest: 'Succeeded',
    });
    expect(seen.parameters).toMatchObject({ NumRound: '20', MseThreshold: '5.0', TrainingInstanceType: 'ml.m5.large' });
    expect(seen.selectiveStatus).toBe('Succeeded');
    expect(seen.selectiveSteps['CheckMse']).toBe('Succeeded');
    expectLifecycle(seen);
  });

  it("churn: the SDK's repack step runs its own _repack_model.py, then the model is registered", async () => {
    const seen = await drive('churn');
    expect(seen.status, JSON.stringify(seen.stepFailures)).toBe('Succeeded');
    expect(seen.steps).toMatchObject({ TrainChurnModel: 'Succeeded', 'RegisterChurnModel-RepackModel-0': 'Succeeded', 'RegisterChurnModel-RegisterModel': 'Succeeded' });
    expect(seen.parameters).toMatchObject({ MaxDepth: '6', AccuracyThreshold: '0.6' });
    // The repacked archive the registered package points at: the model and the inference code.
    expect(seen.registeredArchive).toEqual(expect.arrayContaining(['model.joblib', 'code/inference.py']));
    expect(seen.selectiveStatus).toBe('Succeeded');
    expectLifecycle(seen);
  });

  it('tuning: a TuningStep fans out training jobs and the best model is registered', async () => {
    const seen = await drive('tuning');
    expect(seen.status, JSON.stringify(seen.stepFailures)).toBe('Succeeded');
    expect(seen.steps).toMatchObject({ PreprocessForTuning: 'Succeeded', TuneHousingModel: 'Succeeded', 'RegisterBestModel-RegisterModel': 'Succeeded' });
    expect(seen.parameters).toMatchObject({ MaxJobs: '2', MaxParallelJobs: '2' });
    expect(seen.selectiveStatus).toBe('Succeeded');
    expectLifecycle(seen);
  });

  it('showcase: a mapped Lambda, a processing job, an answered Callback, a Not/In/Or gate on a Boolean sent as "True"', async () => {
    const seen = await drive('showcase');
    expect(seen.status, JSON.stringify(seen.stepFailures)).toBe('Succeeded');
    expect(seen.steps).toMatchObject({ LookupDataset: 'Succeeded', Featurize: 'Succeeded', ApproveFeatures: 'Succeeded', CheckFeatures: 'Succeeded', NotifyReady: 'Succeeded' });
    expect(seen.parameters).toMatchObject({ SkipGate: 'True', MinScore: '0.5', Rows: '5', Mode: 'fast' });
    expect(seen.selectiveStatus).toBe('Succeeded');
    expectLifecycle(seen);
  });
});
