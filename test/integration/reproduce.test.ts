// The workflow the reproduce / re-run features exist for, end to end in Docker on a copy of the
// housing fixture: a broken evaluation script fails the pipeline; after the fix, the step is
// reproduced alone on the same inputs; then the pipeline re-runs from that step and succeeds
// without running preprocessing or training again.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { ExecutionRecord } from '../../src/engine/execution-record.js';
import { captureIo } from '../unit/support/capture-io.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const AFTER_EVALUATE = ['EvaluateModel', 'CheckMseThreshold', 'RegisterHousingModel-RegisterModel', 'HousingModel-CreateModel', 'TransformTestData', 'MseAboveThreshold'];

interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

describe('fix a failed step: reproduce it alone, then re-run from it', { timeout: 900_000 }, () => {
  let work: string;
  let script: string;
  let pipeline: string;
  const home = (): string => path.join(work, 'home');

  async function sagesim(...args: string[]): Promise<CliRun> {
    const io = captureIo(work);
    const code = await runCli([...args, '--home', home()], io);
    return { code, out: io.out(), err: io.err() };
  }

  async function record(id: string): Promise<ExecutionRecord> {
    const shown = await sagesim('show', id, '--json');
    return JSON.parse(shown.out) as ExecutionRecord;
  }

  beforeAll(() => {
    // A copy: the repository's fixture is never edited. The manifest points at ../../step-scripts.
    work = mkdtempSync(path.join(tmpdir(), 'sagesim-reproduce-'));
    cpSync(path.join(REPO, 'fixtures/housing'), path.join(work, 'fixtures/housing'), { recursive: true });
    cpSync(path.join(REPO, 'step-scripts/housing'), path.join(work, 'step-scripts/housing'), { recursive: true });
    pipeline = path.join(work, 'fixtures/housing/pipeline.json');
    script = path.join(work, 'step-scripts/housing/evaluate.py');
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('breaks, reproduces and re-runs the evaluation step', async () => {
    const good = readFileSync(script, 'utf8');
    expect(good).toContain('mse = float(np.mean(squared))');
    writeFileSync(script, good.replace('mse = float(np.mean(squared))', 'mse = float(np.mean(squard))'));

    // 1. The pipeline fails at the evaluation, with the script's error.
    const broken = await sagesim('run', pipeline);
    expect(broken.code, broken.err).toBe(1);
    const [failed] = JSON.parse((await sagesim('ls', '--json')).out) as { ExecutionId: string }[];
    const failedId = failed?.ExecutionId as string;
    const first = await record(failedId);
    const status = (name: string, r: ExecutionRecord): string | undefined => r.steps.find((s) => s.stepName === name)?.status;
    expect(status('PreprocessHousingData', first)).toBe('Succeeded');
    expect(status('TrainModel', first)).toBe('Succeeded');
    expect(status('EvaluateModel', first)).toBe('Failed');
    expect(first.steps.find((s) => s.stepName === 'EvaluateModel')?.failureReason).toContain("NameError: name 'squard' is not defined");

    // 2. Fixed, the step is reproduced alone on the execution's inputs (the fixed script seeded first).
    writeFileSync(script, good);
    const reproduced = await sagesim('reproduce', failedId.slice(0, 6), 'evaluatemodel', '--seed', pipeline, '--json');
    expect(reproduced.code, reproduced.err).toBe(0);
    const result = JSON.parse(reproduced.out) as {
      status: string;
      exitCode: number;
      dir: string;
      source: { jobName: string };
      container: { image: string; env: Record<string, string> };
      outputs: { uri: string; file: string }[];
      propertyFiles: { EvaluationReport: { regression_metrics: { mse: { value: number } } } };
    };
    expect(result.status).toBe('Succeeded');
    expect(result.exitCode).toBe(0);
    const originalJob = first.steps.find((s) => s.stepName === 'EvaluateModel')?.properties?.['ProcessingJobName'];
    expect(result.source.jobName).toBe(originalJob);
    expect(result.container.env['PROCESSING_JOB_NAME']).toBe(originalJob);
    expect(result.container.image).toMatch(/^sagesim\/xgboost/);
    expect(result.propertyFiles.EvaluationReport.regression_metrics.mse.value).toBeGreaterThan(0);
    expect(reproduced.err).toContain('evaluated 3097 test rows');
    // Outputs are under the reproduction's folder, not over the execution's in S3.
    expect(result.outputs.map((o) => o.uri)).toEqual([expect.stringMatching(new RegExp(`/${failedId}/EvaluateModel/output/evaluation/evaluation\\.json$`))]);
    expect(result.outputs[0]?.file.startsWith(result.dir)).toBe(true);
    expect(existsSync(result.outputs[0]?.file ?? '')).toBe(true);
    expect(existsSync(path.join(result.dir, 'reproduction.json'))).toBe(true);
    const s3ls = await sagesim('s3', 'ls', result.outputs[0]?.uri ?? '');
    expect(s3ls.out).not.toContain('evaluation.json');

    // 3. Re-run from the step: preprocessing and training are reused, the rest runs and succeeds.
    const again = await sagesim('run', pipeline, '--from', failedId, '--steps', AFTER_EVALUATE.join(','));
    expect(again.code, again.err + again.out).toBe(0);
    const [latest] = JSON.parse((await sagesim('ls', '--json')).out) as { ExecutionId: string }[];
    const second = await record(latest?.ExecutionId as string);
    expect(second.status).toBe('Succeeded');
    expect(second.sourceExecutionArn).toBe(first.executionArn);
    for (const name of ['PreprocessHousingData', 'TrainModel']) {
      const step = second.steps.find((s) => s.stepName === name);
      const original = first.steps.find((s) => s.stepName === name);
      expect(step?.reusedFrom).toBe(first.executionArn);
      expect(step?.startTime).toBe(original?.startTime);
      expect(step?.properties).toEqual(original?.properties);
    }
    // Nothing of preprocessing or training ran: no step folders for them in the new execution.
    expect(existsSync(path.join(home(), 'executions', second.executionId, 'steps', 'TrainModel'))).toBe(false);
    expect(existsSync(path.join(home(), 'executions', second.executionId, 'steps', 'PreprocessHousingData'))).toBe(false);
    expect(status('EvaluateModel', second)).toBe('Succeeded');
    expect(second.steps.find((s) => s.stepName === 'CheckMseThreshold')?.metadata.Condition?.Outcome).toBe('True');
    expect(status('TransformTestData', second)).toBe('Succeeded');
  });
});
