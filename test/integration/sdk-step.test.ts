// fixtures/sdk-step with the real SageMaker Python SDK: its `@step` functions, pickled by the SDK into
// sagesim's S3, run in Docker by the SDK's own job driver (the user's SDK mounted into the image);
// `execution.result()` through `serve` returns the functions' values, and the same definition runs
// to Succeeded with `sagesim run` in mock mode. Skipped, saying why, without the SDK.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/main.js';
import { resolveConfig } from '../../src/config.js';
import type { RunJsonShape } from '../../src/engine/run-record-json.js';
import { type ServeHandle, startServe } from '../../src/mock-aws/serve.js';
import { findSagemakerSdk } from './support/sagemaker-sdk.js';

const run = promisify(execFile);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURE = path.join(REPO, 'fixtures/sdk-step');
const sdk = findSagemakerSdk();
if (!sdk.ok) console.warn(`sdk-step tests skipped: ${sdk.why}`);

/** The SAGESIM_SDK_* variables that point sagesim at the test's SDK, as a user would set them. */
function sdkEnv(): Record<string, string> {
  if (!sdk.ok) throw new Error(sdk.why);
  return { SAGESIM_SDK_PYTHON: sdk.python, SAGESIM_SDK_PYTHONPATH: sdk.pythonPath };
}

/** Runs one of the fixture's scripts with the SDK against the endpoint. */
async function python(script: string, endpoint: string, extra: Record<string, string> = {}, args: readonly string[] = []): Promise<string> {
  if (!sdk.ok) throw new Error(sdk.why);
  const { stdout } = await run(sdk.python, [path.join(FIXTURE, script), ...args], {
    cwd: REPO,
    maxBuffer: 16 * 1024 * 1024,
    env: {
      ...process.env,
      PYTHONPATH: sdk.pythonPath,
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'sagesim',
      AWS_SECRET_ACCESS_KEY: 'sagesim',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      ...extra,
    },
  });
  return stdout;
}

describe.skipIf(!sdk.ok)('fixtures/sdk-step: @step function steps with the real SDK', { timeout: 900_000 }, () => {
  let root: string;
  let home: string;
  let serve: ServeHandle | undefined;
  let driven: { status: string; steps: Record<string, string>; waitError: string | null; generate?: unknown; summarize?: unknown };
  let definitionFile: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'sagesim-sdk-step-'));
    home = path.join(root, '.sagesim');
    const config = resolveConfig({ cwd: root, home }, sdkEnv());
    serve = await startServe({ config, port: 0 });
    // The SDK uploads the pickled functions and its runtime scripts while it builds the definition.
    definitionFile = path.join(root, 'pipeline.json');
    await python('pipeline.py', serve.endpoint, {}, [definitionFile]);
    const lines = (await python('run_through_serve.py', serve.endpoint, { PIPELINE_NAME: 'sdk-step' })).trim().split('\n');
    driven = JSON.parse(lines[lines.length - 1] ?? '{}') as typeof driven;
    await serve.close();
    serve = undefined;
  });

  afterAll(async () => {
    await serve?.close();
    if (root) await rm(root, { recursive: true, force: true });
    if (sdk.ok) sdk.release();
  });

  it('through serve, the SDK waits for Succeeded and result() returns each function\'s value', () => {
    expect(driven.waitError).toBeNull();
    expect(driven.status).toBe('Succeeded');
    expect(driven.steps).toEqual({ generate: 'Succeeded', summarize: 'Succeeded', 'check-mean': 'Succeeded' });
    expect(driven.generate).toEqual(Array.from({ length: 20 }, (_, i) => i % 7));
    expect(driven.summarize).toEqual({ count: 20, mean: 2.85, max: 6 });
  });

  it('with `sagesim run` in mock mode, the SDK-made definition runs to Succeeded, Std:JsonGet reading the result', async () => {
    let stdout = '';
    let stderr = '';
    const io: CliIo = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: sdkEnv(), cwd: root };
    const code = await runCli(['run', definitionFile, '--json', '--param', 'SampleCount=8', '--param', 'MinMean=2.5', '--home', home], io);
    expect(code, stderr).toBe(0);
    const json = JSON.parse(stdout) as RunJsonShape;
    expect(json.PipelineExecutionStatus).toBe('Succeeded');
    // 8 values 0..6,0: mean 2.625 >= 2.5, read from results.json by the condition.
    expect(json.PipelineExecutionSteps.find((s) => s.StepName === 'check-mean')?.Metadata).toEqual({ Condition: { Outcome: 'True' } });
  });
});
