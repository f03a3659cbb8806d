// `sagesim exec -- <command>`: a user's unchanged boto3 script runs its pipeline against the local
// endpoint, and sagesim ends with the script's status.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, ensureBuilt, runCli } from './support/real-cli.js';

const SCRIPT = path.join(REPO, 'test/integration/exec/pipeline_script.py');
const HOUSING = path.join(REPO, 'fixtures/housing/pipeline.json');
const boto3 = spawnSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' }).status === 0;

describe('sagesim exec', { timeout: 180_000 }, () => {
  let dir: string;
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'sagesim-exec-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // The AWS settings of the test's own environment must not leak in: the script gets only sagesim's.
  const hostileEnv = { AWS_PROFILE: 'no-such-profile', AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_REGION: 'eu-west-3', AWS_ACCESS_KEY_ID: 'AKIAREAL' };

  it.skipIf(!boto3)('a boto3 script that names no endpoint, credentials or region creates, starts, waits for and lists a pipeline', async () => {
    const home = path.join(dir, 'home');
    const result = await runCli(['exec', '--stub-all', '--home', home, '--region', 'us-west-2', '--', 'python3', SCRIPT, HOUSING, 'exec-bucket'], { cwd: dir, env: hostileEnv });

    expect(result.stderr).toMatch(/sagesim: SageMaker API and S3 on http:\/\/127\.0\.0\.1:\d+/);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '') as { arn: string; status: string; steps: Record<string, string>; objects: string[] };
    expect(report.status).toBe('Succeeded');
    expect(report.arn).toMatch(/^arn:aws:sagemaker:us-west-2:\d+:pipeline\/exec-housing\/execution\//);
    expect(report.steps).toMatchObject({ PreprocessHousingData: 'Succeeded', TrainModel: 'Succeeded', CheckMseThreshold: 'Succeeded' });
    expect(report.steps).not.toHaveProperty('MseAboveThreshold'); // a branch not taken: the API omits it, as the cloud does
    expect(report.objects).toContain('code/preprocess.py');
    // What the script uploaded is in the local S3 of that home, as `sagesim s3` sees it.
    const listed = await runCli(['s3', 'ls', 's3://exec-bucket/code/', '--home', home], { cwd: dir });
    expect(listed.stdout).toContain('preprocess.py');
  });

  it("exits with the command's status, and says so when the command cannot start", async () => {
    const failed = await runCli(['exec', '--quiet', '--home', path.join(dir, 'h2'), '--', process.execPath, '-e', 'process.exit(7)'], { cwd: dir });
    expect(failed.code).toBe(7);
    const missing = await runCli(['exec', '--quiet', '--home', path.join(dir, 'h2'), '--', 'no-such-command-sagesim'], { cwd: dir });
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('cannot run "no-such-command-sagesim": command not found');
  });

  it('gives the command the endpoint, dummy credentials, the region (AWS_REGION kept) and no metadata probe', async () => {
    const print = 'console.log(JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith("AWS_")))))';
    const result = await runCli(['exec', '--quiet', '--home', path.join(dir, 'h3'), '--', process.execPath, '-e', print], { cwd: dir, env: hostileEnv });
    expect(result.code).toBe(0);
    const env = JSON.parse(result.stdout) as Record<string, string>;
    const endpoint = env['AWS_ENDPOINT_URL'];
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(env).toMatchObject({ AWS_ENDPOINT_URL_S3: endpoint, AWS_ENDPOINT_URL_SAGEMAKER: endpoint, AWS_REGION: 'eu-west-3', AWS_DEFAULT_REGION: 'eu-west-3', AWS_EC2_METADATA_DISABLED: 'true' });
    expect(env['AWS_ACCESS_KEY_ID']).not.toBe('AKIAREAL');
    expect(env['AWS_PROFILE']).toBeUndefined();
    // The endpoint is gone once the command has ended.
    await expect(fetch(endpoint ?? '')).rejects.toThrow();
  });

  it('warns when the Python it runs has a botocore that ignores AWS_ENDPOINT_URL', async () => {
    const bin = path.join(dir, 'old-python');
    const python = path.join(bin, 'python3');
    rmSync(bin, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', bin]);
    // A stand-in for a Python with boto3 1.26 (Debian 12's): answers the version probe, runs nothing.
    writeFileSync(python, '#!/bin/sh\nif [ "$1" = "-c" ]; then echo 1.29.165; fi\nexit 0\n');
    chmodSync(python, 0o755);
    const result = await runCli(['exec', '--quiet', '--home', path.join(dir, 'h4'), '--', python, 'pipeline.py'], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('has botocore 1.29.165, which does not read AWS_ENDPOINT_URL (botocore 1.31 or later does)');
  });

  it('a command without -- is a usage error that says to put it after --', async () => {
    const result = await runCli(['exec', 'python3', '-c', 'print(1)'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('put the command after --');
  });
});
