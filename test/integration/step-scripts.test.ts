// The example pipelines' step scripts, each run inside the real image its step names, on the
// synthetic data, with the arguments and hyperparameters the fixture definitions give them: what
// they write is what the next step (and a user) relies on.
import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create as createTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateChurn } from '../../src/data/churn.js';
import { generateHousing } from '../../src/data/housing.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../../src/engine/json.js';
import { packSourceDir } from '../../src/fixtures/source-tarball.js';
import { ensureImages } from '../../src/images/build-images.js';
import { EXECUTION_ID_LABEL, STEP_LABEL } from '../../src/ports/container-engine.js';
import { dockerEngine } from './support/docker.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SCRIPTS = path.join(ROOT, 'step-scripts');
const EXECUTION_ID = `step-scripts-${randomUUID().slice(0, 8)}`;
const IMAGES = { sklearn: 'sagesim/sklearn:latest', xgboost: 'sagesim/xgboost:latest', knn: 'sagesim/knn:latest' } as const;

const runtime = dockerEngine();
const workDirs: string[] = [];

// --- the fixture definitions, read the way the engine would resolve them with default parameters ---

function fixture(name: string): { steps: Map<string, JsonObject>; defaults: Map<string, JsonValue> } {
  const definition = JSON.parse(readFileSync(path.join(ROOT, 'fixtures', name, 'pipeline.json'), 'utf8')) as JsonObject;
  const defaults = new Map((definition['Parameters'] as JsonObject[]).map((p) => [String(p['Name']), p['DefaultValue'] ?? null]));
  const steps = new Map<string, JsonObject>();
  const collect = (list: JsonValue[]): void => {
    for (const step of list as JsonObject[]) {
      steps.set(String(step['Name']), step);
      const args = step['Arguments'] as JsonObject;
      if (step['Type'] === 'Condition') collect([...(args['IfSteps'] as JsonValue[]), ...(args['ElseSteps'] as JsonValue[])]);
    }
  };
  collect(definition['Steps'] as JsonValue[]);
  return { steps, defaults };
}

/** Parameters and joins resolved to their values; anything else (step properties) is left alone. */
function resolveStatic(value: JsonValue, defaults: Map<string, JsonValue>): JsonValue {
  if (Array.isArray(value)) return value.map((v) => resolveStatic(v, defaults));
  if (!isJsonObject(value)) return value;
  const get = value['Get'];
  if (typeof get === 'string' && get.startsWith('Parameters.')) return defaults.get(get.slice('Parameters.'.length)) ?? null;
  const join = value['Std:Join'];
  if (isJsonObject(join)) {
    return (join['Values'] as JsonValue[]).map((v) => String(resolveStatic(v, defaults))).join(String(join['On']));
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveStatic(v, defaults)]));
}

function containerArguments(name: string, step: string): string[] {
  const { steps, defaults } = fixture(name);
  const app = (steps.get(step)?.['Arguments'] as JsonObject)['AppSpecification'] as JsonObject;
  return ((resolveStatic(app['ContainerArguments'] ?? [], defaults) as JsonValue[]) ?? []).map(String);
}

function hyperparameters(name: string, step: string): Record<string, string> {
  const { steps, defaults } = fixture(name);
  const raw = (steps.get(step)?.['Arguments'] as JsonObject)['HyperParameters'] as JsonObject;
  return Object.fromEntries(Object.entries(resolveStatic(raw, defaults) as JsonObject).map(([k, v]) => [k, String(v)]));
}

function parameterDefault(name: string, parameter: string): number {
  return Number(fixture(name).defaults.get(parameter));
}

// --- running a script or a training job in an image, with its folders bind-mounted ---

function workDir(label: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `sagesim-${label}-`));
  workDirs.push(dir);
  return dir;
}

async function runContainer(step: string, spec: { image: string; entrypoint?: string[]; command?: string[]; mounts: { hostPath: string; containerPath: string }[] }): Promise<string[]> {
  const lines: string[] = [];
  const exit = await runtime.run(
    {
      image: spec.image,
      ...(spec.entrypoint ? { entrypoint: spec.entrypoint } : {}),
      ...(spec.command ? { command: spec.command } : {}),
      env: { AWS_REGION: 'us-east-1' },
      mounts: spec.mounts,
      labels: { [EXECUTION_ID_LABEL]: EXECUTION_ID, [STEP_LABEL]: step },
      network: 'none',
    },
    { signal: new AbortController().signal, onLog: (line) => lines.push(line) },
  );
  if (exit.exitCode !== 0) throw new Error(`${step} exited with ${exit.exitCode}:\n${lines.slice(-40).join('\n')}`);
  return lines;
}

/** A Processing job: `processing` is mounted at /opt/ml/processing, the script in input/code. */
async function processingJob(step: string, image: string, script: string, processing: string, args: string[]): Promise<string[]> {
  const code = path.join(processing, 'input', 'code');
  mkdirSync(code, { recursive: true });
  cpSync(script, path.join(code, path.basename(script)));
  return runContainer(step, {
    image,
    entrypoint: ['python3', `/opt/ml/processing/input/code/${path.basename(script)}`],
    command: args,
    mounts: [{ hostPath: processing, containerPath: '/opt/ml/processing' }],
  });
}

/** A Training job (`train`): channels from host folders, config files as SageMaker writes them. */
async function trainingJob(step: string, image: string, hps: Record<string, string>, channels: Record<string, string>, sourceDir?: string): Promise<{ modelDir: string; logs: string[] }> {
  const ml = workDir('ml');
  const config = path.join(ml, 'input', 'config');
  mkdirSync(config, { recursive: true });
  const inputDataConfig: JsonObject = {};
  for (const [channel, folder] of Object.entries(channels)) {
    cpSync(folder, path.join(ml, 'input', 'data', channel), { recursive: true });
    inputDataConfig[channel] = { ContentType: 'text/csv', TrainingInputMode: 'File', S3DistributionType: 'FullyReplicated', RecordWrapperType: 'None' };
  }
  const given = { ...hps };
  if (sourceDir) {
    // What the job downloads from sagemaker_submit_directory, packed the way seeding packs it.
    writeFileSync(path.join(ml, 'input', 'sourcedir.tar.gz'), await packSourceDir(sourceDir));
    given['sagemaker_submit_directory'] = JSON.stringify('/opt/ml/input/sourcedir.tar.gz');
  }
  writeFileSync(path.join(config, 'hyperparameters.json'), JSON.stringify(given));
  writeFileSync(path.join(config, 'inputdataconfig.json'), JSON.stringify(inputDataConfig));
  writeFileSync(path.join(config, 'resourceconfig.json'), JSON.stringify({ current_host: 'algo-1', hosts: ['algo-1'], network_interface_name: 'eth0' }));
  const logs = await runContainer(step, { image, command: ['train'], mounts: [{ hostPath: ml, containerPath: '/opt/ml' }] });
  return { modelDir: path.join(ml, 'model'), logs };
}

/** model.tar.gz of a model folder, placed where a processing step's model input lands. */
async function placeModel(modelDir: string, destination: string): Promise<void> {
  mkdirSync(destination, { recursive: true });
  await createTar({ gzip: true, cwd: modelDir, file: path.join(destination, 'model.tar.gz') }, readdirSync(modelDir));
}

function csvRows(file: string): string[][] {
  return readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => line.split(','));
}

function readJson(file: string): JsonObject {
  return JSON.parse(readFileSync(file, 'utf8')) as JsonObject;
}

function housingInput(processing: string): void {
  mkdirSync(path.join(processing, 'input'), { recursive: true });
  writeFileSync(path.join(processing, 'input', 'housing.csv'), generateHousing({ rows: 20_640, seed: 42 }));
}

beforeAll(async () => {
  await runtime.ping();
  await ensureImages(['sklearn', 'xgboost', 'knn'], { engine: dockerEngine(), reporter: { progress: ({ message }) => console.log(message) } });
}, 1_800_000);

afterAll(async () => {
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
  // Every container was removed when its job ended: nothing with this run's label is left.
  expect(await runtime.sweep({ executionId: EXECUTION_ID })).toBe(0);
});

describe('housing step scripts', { timeout: 600_000 }, () => {
  let processing: string;
  let modelDir: string;

  beforeAll(async () => {
    processing = workDir('housing');
    housingInput(processing);
    await processingJob('PreprocessHousingData', IMAGES.sklearn, path.join(SCRIPTS, 'housing/preprocess.py'), processing, containerArguments('housing', 'PreprocessHousingData'));
  }, 600_000);

  it('preprocess writes train/validation/test with the label first and no header, every row once', () => {
    const train = csvRows(path.join(processing, 'train/train.csv'));
    const validation = csvRows(path.join(processing, 'validation/validation.csv'));
    const test = csvRows(path.join(processing, 'test/test.csv'));
    const features = csvRows(path.join(processing, 'test/features/test-features.csv'));

    expect(train.length + validation.length + test.length).toBe(20_640);
    expect(train.length).toBe(Math.floor(20_640 * 0.7));
    expect(validation.length).toBe(Math.floor(20_640 * 0.15));
    for (const part of [train, validation, test]) {
      expect(part.every((row) => row.length === 9 && row.every((field) => Number.isFinite(Number(field))))).toBe(true);
    }
    // Label first: MedHouseVal's range, and the features-only file is the test rows without it.
    expect(train.every((row) => Number(row[0]) >= 0.14999 && Number(row[0]) <= 5.00001)).toBe(true);
    expect(features).toEqual(test.map((row) => row.slice(1)));
  });

  it('the built-in XGBoost algorithm learns the data: R² > 0.6 on the held-back rows, MSE under the threshold', async () => {
    const trained = await trainingJob('TrainModel', IMAGES.xgboost, hyperparameters('housing', 'TrainModel'), {
      train: path.join(processing, 'train'),
      validation: path.join(processing, 'validation'),
    });
    modelDir = trained.modelDir;
    expect(trained.logs.some((line) => /^\[\d+\]\ttrain-rmse:[\d.]+\tvalidation-rmse:[\d.]+$/.test(line))).toBe(true);
    await placeModel(modelDir, path.join(processing, 'model'));

    await processingJob('EvaluateModel', IMAGES.xgboost, path.join(SCRIPTS, 'housing/evaluate.py'), processing, []);

    const report = readJson(path.join(processing, 'evaluation/evaluation.json'));
    const metrics = report['regression_metrics'] as Record<string, { value: number; standard_deviation?: number }>;
    expect(Object.keys(metrics)).toEqual(['mse', 'rmse', 'mae', 'r2']);
    expect(metrics['mse']?.standard_deviation).toBeGreaterThan(0);
    expect(metrics['r2']?.value).toBeGreaterThan(0.6);
    expect(metrics['rmse']?.value).toBeCloseTo(Math.sqrt(metrics['mse']?.value ?? 0), 10);
    // The condition step compares this to MseThreshold: with the default, the pipeline registers.
    expect(metrics['mse']?.value).toBeLessThanOrEqual(parameterDefault('housing', 'MseThreshold'));
  });
});

describe('churn step scripts', { timeout: 600_000 }, () => {
  it('preprocess, script-mode training and evaluation give binary classification metrics above the threshold', async () => {
    const processing = workDir('churn');
    mkdirSync(path.join(processing, 'input'), { recursive: true });
    writeFileSync(path.join(processing, 'input', 'churn.csv'), generateChurn({ rows: 7_043, seed: 42 }));
    await processingJob('PreprocessChurnData', IMAGES.sklearn, path.join(SCRIPTS, 'churn/preprocess.py'), processing, containerArguments('churn', 'PreprocessChurnData'));

    const [header] = csvRows(path.join(processing, 'train/train.csv'));
    expect(header?.[0]).toBe('Churn');
    expect(csvRows(path.join(processing, 'train/train.csv')).length - 1 + csvRows(path.join(processing, 'test/test.csv')).length - 1).toBe(7_043);

    const { modelDir, logs } = await trainingJob(
      'TrainChurnModel',
      IMAGES.sklearn,
      hyperparameters('churn', 'TrainChurnModel'),
      { train: path.join(processing, 'train') },
      path.join(SCRIPTS, 'churn/train'),
    );
    expect(readdirSync(modelDir)).toEqual(['model.joblib']);
    expect(logs.some((line) => /^train accuracy: [\d.]+$/.test(line))).toBe(true);
    await placeModel(modelDir, path.join(processing, 'model'));

    await processingJob('EvaluateChurnModel', IMAGES.sklearn, path.join(SCRIPTS, 'churn/evaluate.py'), processing, []);

    const metrics = readJson(path.join(processing, 'evaluation/evaluation.json'))['binary_classification_metrics'] as Record<string, { value: number }>;
    for (const name of ['accuracy', 'precision', 'recall', 'f1', 'roc_auc']) {
      expect(metrics[name]?.value, name).toBeGreaterThan(0);
      expect(metrics[name]?.value, name).toBeLessThanOrEqual(1);
    }
    expect(metrics['accuracy']?.value).toBeGreaterThan((metrics['majority_class_accuracy']?.value ?? 1) + 0.03);
    expect(metrics['accuracy']?.value).toBeGreaterThanOrEqual(parameterDefault('churn', 'AccuracyThreshold'));
  });
});

describe('model-comparison step scripts', { timeout: 900_000 }, () => {
  it('XGBoost, KNN and the scikit-learn GBM are compared on the test rows and the lowest RMSE wins', async () => {
    const processing = workDir('comparison');
    housingInput(processing);
    await processingJob('PreprocessHousingData', IMAGES.sklearn, path.join(SCRIPTS, 'housing/preprocess.py'), processing, containerArguments('model-comparison', 'PreprocessHousingData'));
    const train = path.join(processing, 'train');
    const validation = path.join(processing, 'validation');
    const means = csvRows(path.join(train, 'train.csv'))
      .slice(0, 2000)
      .reduce((sum, row) => sum + Number(row[1]), 0) / 2000;
    expect(Math.abs(means)).toBeLessThan(0.1); // --standardize: features centred on the training rows

    const candidates = [
      ['xgboost', IMAGES.xgboost, hyperparameters('model-comparison', 'TrainXGBoost'), { train, validation }, undefined],
      ['knn', IMAGES.knn, hyperparameters('model-comparison', 'TrainKNN'), { train, test: validation }, undefined],
      ['sklearn-gbm', IMAGES.sklearn, hyperparameters('model-comparison', 'TrainSklearnGBM'), { train, validation }, path.join(SCRIPTS, 'model-comparison/gbm')],
    ] as const;
    const args: string[] = [];
    for (const [name, image, hps, channels, sourceDir] of candidates) {
      const { modelDir } = await trainingJob(`Train-${name}`, image, hps, channels, sourceDir);
      await placeModel(modelDir, path.join(processing, 'models', name));
      args.push('--model', name, `s3://sagesim-demo/models/${name}/model.tar.gz`, `${name}-image`);
    }

    await processingJob('CompareModels', IMAGES.xgboost, path.join(SCRIPTS, 'model-comparison/compare.py'), processing, args);

    const report = readJson(path.join(processing, 'comparison/comparison.json'));
    const models = report['models'] as Record<string, { rmse: number; kind: string }>;
    expect(Object.fromEntries(Object.entries(models).map(([name, m]) => [name, m.kind]))).toEqual({ xgboost: 'xgboost', knn: 'knn', 'sklearn-gbm': 'sklearn' });
    const best = Object.entries(models).sort((a, b) => a[1].rmse - b[1].rmse)[0]?.[0] ?? '';
    const winner = report['winner'] as JsonObject;
    expect(winner['name']).toBe(best);
    expect(winner['model_data_url']).toBe(`s3://sagesim-demo/models/${best}/model.tar.gz`);
    expect(winner['image']).toBe(`${best}-image`);
    expect(winner['rmse']).toBeLessThanOrEqual(parameterDefault('model-comparison', 'RmseThreshold'));
  });
});
