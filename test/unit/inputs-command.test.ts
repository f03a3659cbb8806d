// `sagesim inputs` and `sagesim validate --preflight`: what a user runs to bring their own
// pipeline (what to seed, how images map) and to check, in CI, that a run would start.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { captureIo } from './support/capture-io.js';

const HOUSING = path.resolve(import.meta.dirname, '../../fixtures/housing/pipeline.json');

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sagesim-inputs-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function cli(cwd: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo(cwd);
  const code = await runCli(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('sagesim inputs', () => {
  it('lists what housing reads that no step writes, what it writes and what its images run as', async () => {
    const { code, out } = await cli(tempDir(), 'inputs', HOUSING);
    expect(code).toBe(0);
    expect(out).toMatch(/s3:\/\/sagesim-demo\/housing\/input\/housing\.csv\s+S3Prefix\s+PreprocessHousingData\s+manifest/);
    expect(out).toMatch(/s3:\/\/sagesim-demo\/housing\/code\/evaluate\.py\s+S3Prefix\s+EvaluateModel\s+manifest/);
    expect(out).toMatch(/s3:\/\/sagesim-demo\/housing\/models\s+TrainModel/);
    expect(out).toMatch(/sagemaker-xgboost:1\.7-1\s+TrainModel\s+sagesim\/xgboost:latest \(shipped\)/);
  });

  it('renders --param values into the URIs and says which images are not mapped, as JSON', async () => {
    const cwd = tempDir();
    const file = path.join(cwd, 'pipeline.json');
    writeFileSync(
      file,
      JSON.stringify({
        Version: '2020-12-01',
        Parameters: [{ Name: 'Data', Type: 'String', DefaultValue: 's3://b/default.csv' }],
        Steps: [
          {
            Name: 'Prep',
            Type: 'Processing',
            Arguments: {
              ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 30 } },
              AppSpecification: { ImageUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/mine:1' },
              RoleArn: 'arn:aws:iam::111122223333:role/r',
              ProcessingInputs: [{ InputName: 'data', S3Input: { S3Uri: { Get: 'Parameters.Data' }, LocalPath: '/opt/ml/processing/input', S3DataType: 'S3Prefix', S3InputMode: 'File' } }],
            },
          },
        ],
      }),
    );
    const { code, out } = await cli(cwd, 'inputs', file, '--param', 'Data=s3://b/given.csv', '--json');
    expect(code).toBe(0);
    const result = JSON.parse(out) as { seed: { uri: string; path: string }[]; images: { uri: string; local?: string }[] };
    expect(result.seed).toMatchObject([{ uri: 's3://b/given.csv', path: '$.Steps[0].Arguments.ProcessingInputs[0].S3Input.S3Uri' }]);
    expect(result.images).toMatchObject([{ uri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/mine:1' }]);
    expect(result.images[0]?.local).toBeUndefined();
  });
});

describe('sagesim validate --preflight', () => {
  it('lists every problem that would stop a run, with paths and hints, and exits 1', async () => {
    const cwd = tempDir();
    const file = path.join(cwd, 'pipeline.json');
    writeFileSync(
      file,
      JSON.stringify({
        Version: '2020-12-01',
        Parameters: [{ Name: 'Threshold', Type: 'Float' }],
        Steps: [
          { Name: 'Notify', Type: 'Lambda', FunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:notify', Arguments: {} },
          { Name: 'Check', Type: 'QualityCheck', CheckType: 'DATA_QUALITY', Arguments: {} },
        ],
      }),
    );
    const { code, out } = await cli(cwd, 'validate', '--preflight', file, '--home', path.join(cwd, 'home'));
    expect(code).toBe(2); // invalid input, as a run refused by its preflight
    expect(out).toContain('preflight: 3 problems would stop a run');
    expect(out).toContain('PARAMETER_WITHOUT_VALUE  $.Parameters[0]');
    expect(out).toContain('LAMBDA_NOT_MAPPED  $.Steps[0].FunctionArn (step Notify)');
    expect(out).toContain('STEP_TYPE_NOT_LOCAL  $.Steps[1] (step Check)');
    expect(out).toContain('hint: give it: --param Threshold=<value>');
    const json = await cli(cwd, 'validate', '--preflight', file, '--home', path.join(cwd, 'home'), '--json', '--param', 'Threshold=0.5');
    expect(json.code).toBe(2);
    const parsed = JSON.parse(json.out) as { valid: boolean; preflight: { ready: boolean; problems: { code: string }[] } };
    expect(parsed.valid).toBe(true);
    expect(parsed.preflight.problems.map((p) => p.code)).toEqual(['LAMBDA_NOT_MAPPED', 'STEP_TYPE_NOT_LOCAL']);
  });

  it('says ready to run when nothing is missing', async () => {
    const cwd = tempDir();
    const file = path.join(cwd, 'pipeline.json');
    writeFileSync(file, JSON.stringify({ Version: '2020-12-01', Parameters: [], Steps: [{ Name: 'Stop', Type: 'Fail', Arguments: { ErrorMessage: 'no' } }] }));
    const { code, out } = await cli(cwd, 'validate', '--preflight', file, '--home', path.join(cwd, 'home'));
    expect(code).toBe(0);
    expect(out).toContain('preflight: ready to run');
  });
});
