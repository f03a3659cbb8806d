// The images themselves, in real Docker: what a training job, an endpoint and a batch transform
// see of sagesim/xgboost, sagesim/sklearn and sagesim/knn, per SageMaker's container contracts.
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import * as tar from 'tar';
import { GenericContainer, type StartedTestContainer, Wait } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureImages } from '../../src/images/build-images.js';
import { resolveImage } from '../../src/images/image-mapping.js';
import { startEmbeddedS3 } from '../../src/mock-aws/embedded-s3.js';

const docker = dockerClient();
const EXECUTION_ID = `images-test-${randomUUID().slice(0, 8)}`;
const LABELS = { 'sagesim.execution-id': EXECUTION_ID, 'sagesim.step': 'images-test' };
const workDirs: string[] = [];

interface OneShot {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** `docker run --rm <image> <command>` with /opt/ml bind-mounted, as the training runtime does. */
async function runOnce(image: string, command: string[], ml: string, options: { env?: string[]; hostNetwork?: boolean } = {}): Promise<OneShot> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: command,
    Env: options.env ?? [],
    Labels: LABELS,
    HostConfig: { Binds: [`${ml}:/opt/ml`], NetworkMode: options.hostNetwork ? 'host' : 'none' },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const raw = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    return { exitCode: StatusCode, ...demux(raw) };
  } finally {
    await container.remove({ force: true });
  }
}

/** Splits Docker's multiplexed log stream (8-byte frame headers) into stdout and stderr. */
function demux(raw: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= raw.length) {
    const size = raw.readUInt32BE(offset + 4);
    const frame = raw.subarray(offset + 8, offset + 8 + size);
    (raw[offset] === 2 ? err : out).push(frame);
    offset += 8 + size;
  }
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** An /opt/ml folder with the config files SageMaker writes and the given channels. */
function mlDir(hyperparameters: Record<string, string>, channels: Record<string, { contentType?: string; files: Record<string, string> }>): string {
  const ml = mkdtempSync(path.join(tmpdir(), 'sagesim-images-'));
  workDirs.push(ml);
  mkdirSync(path.join(ml, 'input', 'config'), { recursive: true });
  mkdirSync(path.join(ml, 'model'));
  mkdirSync(path.join(ml, 'output'));
  writeFileSync(path.join(ml, 'input', 'config', 'hyperparameters.json'), JSON.stringify(hyperparameters));
  const inputConfig: Record<string, object> = {};
  for (const [name, channel] of Object.entries(channels)) {
    inputConfig[name] = { TrainingInputMode: 'File', S3DistributionType: 'FullyReplicated', ...(channel.contentType ? { ContentType: channel.contentType } : {}) };
    mkdirSync(path.join(ml, 'input', 'data', name), { recursive: true });
    for (const [file, body] of Object.entries(channel.files)) writeFileSync(path.join(ml, 'input', 'data', name, file), body);
  }
  writeFileSync(path.join(ml, 'input', 'config', 'inputdataconfig.json'), JSON.stringify(inputConfig));
  writeFileSync(path.join(ml, 'input', 'config', 'resourceconfig.json'), JSON.stringify({ current_host: 'algo-1', hosts: ['algo-1'], network_interface_name: 'eth0' }));
  return ml;
}

/** Deterministic rows `label,x1,x2,x3` with label = 3*x1 + x2 (+ a little noise). */
function regressionCsv(rows: number, seed: number): string {
  let state = seed;
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const lines: string[] = [];
  for (let i = 0; i < rows; i += 1) {
    const x = [next(), next(), next()];
    lines.push([3 * x[0]! + x[1]! + 0.01 * next(), ...x].map((v) => v.toFixed(5)).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Starts `serve` with the model folder mounted and waits for /ping, as the transform runtime does. */
async function serve(image: string, modelDir: string, env: Record<string, string> = {}): Promise<{ container: StartedTestContainer; url: string }> {
  const container = await new GenericContainer(image)
    .withCommand(['serve'])
    .withLabels(LABELS)
    .withEnvironment(env)
    .withBindMounts([{ source: modelDir, target: '/opt/ml/model', mode: 'ro' }])
    .withExposedPorts(8080)
    .withWaitStrategy(Wait.forHttp('/ping', 8080).forStatusCode(200))
    .withStartupTimeout(60_000)
    .start();
  return { container, url: `http://${container.getHost()}:${container.getMappedPort(8080)}` };
}

async function invoke(url: string, body: string, contentType: string, accept?: string): Promise<{ status: number; body: string; contentType: string | null }> {
  const response = await fetch(`${url}/invocations`, { method: 'POST', body, headers: { 'Content-Type': contentType, ...(accept ? { Accept: accept } : {}) } });
  return { status: response.status, body: await response.text(), contentType: response.headers.get('content-type') };
}

async function sourcedirTarball(files: Record<string, string>): Promise<string> {
  const src = mkdtempSync(path.join(tmpdir(), 'sagesim-src-'));
  workDirs.push(src);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(src, name), text);
  const tarball = path.join(src, '..', `${path.basename(src)}.tar.gz`);
  await tar.c({ gzip: true, file: tarball, cwd: src }, Object.keys(files));
  workDirs.push(tarball);
  return tarball;
}

const SKLEARN_TRAIN_SCRIPT = `
import argparse, json, os
import joblib
import numpy as np
from sklearn.linear_model import LinearRegression

parser = argparse.ArgumentParser()
parser.add_argument("--fit_intercept", type=str, default="True")
parser.add_argument("--alpha", type=float, default=0.0)
parser.add_argument("--model-dir", default=os.environ["SM_MODEL_DIR"])
parser.add_argument("--train", default=os.environ["SM_CHANNEL_TRAIN"])
args = parser.parse_args()
data = np.loadtxt(os.path.join(args.train, "train.csv"), delimiter=",")
model = LinearRegression().fit(data[:, 1:], data[:, 0])
joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))
print("alpha=%s hps=%s channels=%s host=%s" % (args.alpha, os.environ["SM_HPS"], os.environ["SM_CHANNELS"], os.environ["SM_CURRENT_HOST"]))
`;
import { dockerClient, dockerEngine } from './support/docker.js';

describe('sagesim images', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    await ensureImages(['sklearn', 'xgboost', 'knn'], { engine: dockerEngine(), reporter: { progress: ({ message }) => console.log(message) } });
  }, 1_800_000);

  afterAll(async () => {
    for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
    const leftovers = await docker.listContainers({ all: true, filters: { label: [`sagesim.execution-id=${EXECUTION_ID}`] } });
    await Promise.all(leftovers.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    expect(leftovers).toEqual([]);
  });

  it('xgboost trains the built-in algorithm on CSV, logging one tab-separated metric line per round', async () => {
    const ml = mlDir(
      { num_round: '6', max_depth: '3', eta: '0.3', objective: 'reg:squarederror', subsample: '0.9' },
      {
        train: { contentType: 'text/csv', files: { 'train.csv': regressionCsv(200, 1) } },
        validation: { contentType: 'text/csv;label_size=1', files: { 'validation.csv': regressionCsv(50, 2) } },
      },
    );
    const run = await runOnce('sagesim/xgboost:latest', ['train'], ml);

    expect(run.exitCode).toBe(0);
    const rounds = run.stdout.split('\n').filter((line) => /^\[\d+\]/.test(line));
    expect(rounds).toHaveLength(6);
    for (const [i, line] of rounds.entries()) {
      expect(line).toMatch(new RegExp(`^\\[${i}\\]\\ttrain-rmse:\\d+\\.\\d{5}\\tvalidation-rmse:\\d+\\.\\d{5}$`));
    }
    expect(existsSync(path.join(ml, 'model', 'xgboost-model'))).toBe(true);

    // The implicit metric definitions of the SageMaker XGBoost image read these lines as CloudWatch shows them.
    const { builtin } = resolveImage('683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1', { images: {} });
    const definition = builtin?.metricDefinitions.find((d) => d.Name === 'validation:rmse');
    const last = new RegExp(definition?.Regex ?? '$^').exec(rounds.at(-1)!.replaceAll('\t', '#011'));
    expect(Number(last?.[1])).toBeGreaterThan(0);
  });

  it('xgboost serves its model: text/csv rows in, one prediction per line out', async () => {
    const ml = mlDir({ num_round: '20', max_depth: '4' }, { train: { contentType: 'text/csv', files: { 'train.csv': regressionCsv(300, 3) } } });
    expect((await runOnce('sagesim/xgboost:latest', ['train'], ml)).exitCode).toBe(0);
    const { container, url } = await serve('sagesim/xgboost:latest', path.join(ml, 'model'));
    try {
      const csv = await invoke(url, '0.9,0.1,0.5\n0.1,0.1,0.5\n0.5,0.5,0.5\n', 'text/csv');
      expect(csv.status).toBe(200);
      const predictions = csv.body.trim().split('\n').map(Number);
      expect(predictions).toHaveLength(3);
      expect(predictions[0]).toBeGreaterThan(predictions[1]!);
      const libsvm = await invoke(url, '0 0:0.9 1:0.1 2:0.5\n', 'text/libsvm');
      expect(Number(libsvm.body.trim())).toBeCloseTo(predictions[0]!, 5);
      const withLabel = await invoke(url, '1.0,0.9,0.1,0.5\n', 'text/csv');
      expect(withLabel.status).toBe(400);
      const parameters = (await (await fetch(`${url}/execution-parameters`)).json()) as Record<string, unknown>;
      expect(parameters).toMatchObject({ BatchStrategy: 'MULTI_RECORD', MaxPayloadInMB: 6 });
    } finally {
      await container.stop();
    }
  });

  it('a training script that raises writes /opt/ml/output/failure and exits non-zero', async () => {
    const tarball = await sourcedirTarball({ 'train.py': 'def load():\n    raise ValueError("column price has text in row 7")\n\nload()\n' });
    const ml = mlDir({ sagemaker_program: '"train.py"', sagemaker_submit_directory: '"file:///opt/ml/sourcedir.tar.gz"' }, { train: { files: { 'a.csv': '1,2\n' } } });
    writeFileSync(path.join(ml, 'sourcedir.tar.gz'), readFileSync(tarball));
    const run = await runOnce('sagesim/sklearn:latest', ['train'], ml);

    expect(run.exitCode).not.toBe(0);
    const failure = readFileSync(path.join(ml, 'output', 'failure'), 'utf8');
    expect(failure).toMatch(/^ExecuteUserScriptError:\nExitCode 1\nErrorMessage "/);
    expect(failure).toContain('ValueError: column price has text in row 7');
    expect(failure).toContain('Command "/usr/bin/python3 train.py"');
    expect(run.stderr).toContain('ValueError: column price has text in row 7');
  });

  it('sklearn runs script mode with code from S3 and serves the joblib model on /ping and /invocations', async () => {
    const s3Dir = mkdtempSync(path.join(tmpdir(), 'sagesim-s3-'));
    workDirs.push(s3Dir);
    const s3 = await startEmbeddedS3({ dataDir: s3Dir });
    const endpoint = s3.endpoint;
    try {
      const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'sagesim', secretAccessKey: 'sagesim' } });
      const tarball = await sourcedirTarball({ 'train.py': SKLEARN_TRAIN_SCRIPT });
      await client.send(new PutObjectCommand({ Bucket: 'code', Key: 'job/source/sourcedir.tar.gz', Body: readFileSync(tarball) }));
      client.destroy();

      const ml = mlDir(
        { alpha: '0.5', sagemaker_program: '"train.py"', sagemaker_submit_directory: '"s3://code/job/source/sourcedir.tar.gz"', sagemaker_region: '"us-east-1"' },
        { train: { contentType: 'text/csv', files: { 'train.csv': regressionCsv(100, 4) } } },
      );
      const run = await runOnce('sagesim/sklearn:latest', ['train'], ml, {
        hostNetwork: true,
        env: [`S3_ENDPOINT_URL=${endpoint}`, 'AWS_ACCESS_KEY_ID=sagesim', 'AWS_SECRET_ACCESS_KEY=sagesim', 'AWS_REGION=us-east-1'],
      });
      expect(run.stderr).toBe('');
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toContain('Invoking user script: /usr/bin/python3 train.py --alpha 0.5');
      expect(run.stdout).toContain('alpha=0.5 hps={"alpha":0.5} channels=["train"] host=algo-1');
      expect(existsSync(path.join(ml, 'model', 'model.joblib'))).toBe(true);

      const { container, url } = await serve('sagesim/sklearn:latest', path.join(ml, 'model'));
      try {
        expect((await fetch(`${url}/ping`)).status).toBe(200);
        const csv = await invoke(url, '1,0,0\n0,1,0\n', 'text/csv', 'text/csv');
        expect(csv.status).toBe(200);
        const [a, b] = csv.body.trim().split('\n').map(Number);
        expect(a! - b!).toBeCloseTo(2, 1);
        const json = await invoke(url, '[[1,0,0]]', 'application/json');
        expect(json.contentType).toContain('application/json');
        expect((JSON.parse(json.body) as number[])[0]).toBeCloseTo(a!, 6);
        expect((await invoke(url, 'x', 'image/png')).status).toBe(415);
      } finally {
        await container.stop();
      }
    } finally {
      await s3.close();
    }
  });

  it("sklearn serving uses the user's inference.py from the model's code/ folder over the defaults", async () => {
    const ml = mlDir({ sagemaker_program: '"train.py"', sagemaker_submit_directory: '"/opt/ml/src"' }, { train: { contentType: 'text/csv', files: { 'train.csv': regressionCsv(50, 5) } } });
    mkdirSync(path.join(ml, 'src'));
    writeFileSync(path.join(ml, 'src', 'train.py'), SKLEARN_TRAIN_SCRIPT);
    expect((await runOnce('sagesim/sklearn:latest', ['train'], ml)).exitCode).toBe(0);
    mkdirSync(path.join(ml, 'model', 'code'));
    writeFileSync(
      path.join(ml, 'model', 'code', 'inference.py'),
      'import json\n\ndef output_fn(prediction, accept):\n    return json.dumps({"price": [round(p, 3) for p in prediction.tolist()]}), "application/json"\n',
    );
    const { container, url } = await serve('sagesim/sklearn:latest', path.join(ml, 'model'));
    try {
      const response = await invoke(url, '1,0,0\n', 'text/csv', 'text/csv');
      expect(response.status).toBe(200);
      expect(Object.keys(JSON.parse(response.body) as object)).toEqual(['price']);
    } finally {
      await container.stop();
    }
  });

  it('knn trains the built-in classifier, reports test:accuracy as the cloud logs it, and serves text/csv', async () => {
    const rows = (n: number, seed: number): string =>
      regressionCsv(n, seed)
        .trim()
        .split('\n')
        .map((line) => {
          const [, x1, x2] = line.split(',').map(Number);
          return `${x1! > 0.5 ? 1 : 0},${x1},${x2}`;
        })
        .join('\n');
    const ml = mlDir(
      { k: '5', sample_size: '150', predictor_type: '"classifier"', feature_dim: '2' },
      { train: { contentType: 'text/csv', files: { 'train.csv': rows(200, 6) } }, test: { contentType: 'text/csv', files: { 'test.csv': rows(60, 7) } } },
    );
    const run = await runOnce('sagesim/knn:latest', ['train'], ml);
    expect(run.exitCode).toBe(0);
    const { builtin } = resolveImage('382416733822.dkr.ecr.us-east-1.amazonaws.com/knn:1', { images: {} });
    const accuracy = builtin?.metricDefinitions.find((d) => d.Name === 'test:accuracy');
    const match = new RegExp(accuracy?.Regex ?? '$^').exec(run.stdout);
    expect(Number(match?.[1])).toBeGreaterThan(0.8);

    const { container, url } = await serve('sagesim/knn:latest', path.join(ml, 'model'));
    try {
      const csv = await invoke(url, '0.9,0.2\n0.1,0.7\n', 'text/csv', 'text/csv');
      expect(csv.body).toBe('1.0\n0.0\n');
      const json = await invoke(url, '0.9,0.2\n', 'text/csv');
      expect(JSON.parse(json.body)).toEqual({ predictions: [{ predicted_label: 1 }] });
    } finally {
      await container.stop();
    }
  });

  it('knn fails with the missing hyperparameter named in the failure file', async () => {
    const ml = mlDir({ k: '3' }, { train: { contentType: 'text/csv', files: { 'train.csv': '1,0.5\n' } } });
    const run = await runOnce('sagesim/knn:latest', ['train'], ml);
    expect(run.exitCode).not.toBe(0);
    expect(readFileSync(path.join(ml, 'output', 'failure'), 'utf8')).toContain('Missing required hyperparameter(s): sample_size, predictor_type');
  });
});
