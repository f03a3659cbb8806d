// The edit-run loop tells the truth, in Docker, as a user runs it: a stub run never serves a real
// run from the cache; a script placed again at the same URI re-runs its step (and a broken one
// fails the run), unless --cache-like-cloud asks for the cloud's argument-only reuse; and a
// pipeline that cannot run is refused by its preflight before any container starts.
// The runs share one home, in order: stub, real, broken script, broken script like the cloud.
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionRecord } from '../../src/engine/execution-record.js';
import { FileExecutionStore } from '../../src/store/file-execution-store.js';
import type { RunJsonShape } from '../../src/engine/run-record-json.js';
import { runDefinitionFile } from '../../src/app/run-definition.js';
import { PreflightError } from '../../src/runtime/preflight-error.js';
import { FakeContainerEngine } from '../../src/ports/fake-container-engine.js';
import { type FixtureHome, fixtureHome, stepOf } from './support/fixture-run.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Fewer rows and rounds than the demo: the same shape at a fraction of the CPU. */
const PARAMS = ['--param', 'NumRound=10'];

interface Run {
  readonly code: number;
  readonly stderr: string;
  readonly record: ExecutionRecord;
}

describe('the local loop', { timeout: 900_000 }, () => {
  let home: FixtureHome;
  let pipeline: string;
  let evaluateScript: string;

  /** `sagesim run <copy of housing> --json <extra>` in the shared home. */
  async function run(...extra: string[]): Promise<Run> {
    const result = await home.cli('run', pipeline, '--json', ...PARAMS, ...extra);
    let json: RunJsonShape;
    try {
      json = JSON.parse(result.stdout) as RunJsonShape;
    } catch {
      throw new Error(`run printed no JSON (exit ${result.code}):\n${result.stderr}`);
    }
    const id = json.PipelineExecutionArn.split('/').at(-1) ?? '';
    const record = await new FileExecutionStore({ home: home.config.home }).find(id);
    return { code: result.code, stderr: result.stderr, record };
  }

  beforeAll(async () => {
    home = await fixtureHome('local-loop');
    // A copy of fixtures/housing whose manifest places scripts the test can edit.
    const dir = path.join(home.root, 'housing');
    await mkdir(path.join(dir, 'scripts'), { recursive: true });
    await cp(path.join(REPO, 'fixtures/housing/pipeline.json'), path.join(dir, 'pipeline.json'));
    await cp(path.join(REPO, 'step-scripts/housing'), path.join(dir, 'scripts'), { recursive: true });
    const manifest = JSON.parse(await readFile(path.join(REPO, 'fixtures/housing/manifest.json'), 'utf8')) as { objects: { uri: string; file?: string; generate?: { rows: number } }[] };
    for (const object of manifest.objects) {
      if (object.file) object.file = `scripts/${path.basename(object.file)}`;
      if (object.generate) object.generate.rows = 3000;
    }
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
    pipeline = path.join(dir, 'pipeline.json');
    evaluateScript = path.join(dir, 'scripts', 'evaluate.py');
  });

  afterAll(async () => {
    if (!home) return;
    try {
      expect(await home.leftoverContainers(), 'containers left behind').toEqual([]);
    } finally {
      await home[Symbol.asyncDispose]();
    }
  });

  let stub: Run;
  let real: Run;

  it('a stub run is marked as such and serves no real run from the cache; the real run succeeds', async () => {
    stub = await run('--stub-all');
    expect(stub.code, stub.stderr).toBe(0);
    expect(stepOf(stub.record, 'TrainModel').stubbed).toBe(true);
    real = await run();
    expect(real.code, real.stderr).toBe(0);
    expect(real.record.status).toBe('Succeeded');
    for (const name of ['PreprocessHousingData', 'TrainModel', 'EvaluateModel']) {
      const step = stepOf(real.record, name);
      expect(step.cacheHit, name).toBeUndefined();
      expect(step.stubbed, name).toBeUndefined();
    }
    // The first step's arguments are the same in both runs: its stub entry matched, and was refused.
    expect(stepOf(real.record, 'PreprocessHousingData').cacheMissReason).toContain('came from a stub');
    expect(stepOf(real.record, 'TransformTestData').status).toBe('Succeeded');
    // The registry says which packages came from real runs only.
    const models = await home.cli('models', 'ls');
    expect(models.stdout).not.toContain('STUB');
  });

  it('an edited script re-runs its step, and a broken one fails the run; unchanged steps come from the cache', async () => {
    await writeFile(evaluateScript, 'raise SystemExit("evaluate.py broken on purpose")\n');
    const broken = await run();
    expect(broken.code).toBe(1);
    expect(broken.record.status).toBe('Failed');
    expect(stepOf(broken.record, 'PreprocessHousingData').cacheHit?.sourcePipelineExecutionArn).toBe(real.record.executionArn);
    expect(stepOf(broken.record, 'TrainModel').cacheHit?.sourcePipelineExecutionArn).toBe(real.record.executionArn);
    const evaluate = stepOf(broken.record, 'EvaluateModel');
    expect(evaluate.status).toBe('Failed');
    expect(evaluate.cacheMissReason).toBe(
      `re-ran EvaluateModel: s3://sagesim-demo/housing/code/evaluate.py changed since execution ${real.record.executionId}; the cloud would have reused it`,
    );
    expect(broken.stderr).toContain('re-ran EvaluateModel: s3://sagesim-demo/housing/code/evaluate.py changed');
  });

  it('with --cache-like-cloud the edited script is not seen: served from the cache, as the cloud would', async () => {
    const cloudLike = await run('--cache-like-cloud');
    expect(cloudLike.code, cloudLike.stderr).toBe(0);
    expect(stepOf(cloudLike.record, 'EvaluateModel').cacheHit?.sourcePipelineExecutionArn).toBe(real.record.executionArn);
  });

  it('refuses a pipeline with an unmapped image in its last step and a missing input in its first, before any container starts', async () => {
    const definition = JSON.parse(await readFile(pipeline, 'utf8')) as { Steps: { Name: string; Type: string; Arguments: Record<string, unknown> }[] };
    const first = definition.Steps[0]?.Arguments as { ProcessingInputs: { S3Input: { S3Uri: unknown } }[] };
    const firstInput = first.ProcessingInputs[0];
    if (firstInput) firstInput.S3Input.S3Uri = 's3://sagesim-demo/nowhere/housing.csv';
    const condition = definition.Steps.find((s) => s.Type === 'Condition')?.Arguments as { IfSteps: { Name: string; Type: string; Arguments: Record<string, unknown> }[] };
    const model = condition.IfSteps.find((s) => s.Type === 'Model')?.Arguments as { PrimaryContainer: { Image: string } };
    model.PrimaryContainer.Image = '123456789012.dkr.ecr.us-east-1.amazonaws.com/not-mapped:1';
    const file = path.join(home.root, 'housing', 'refused.json');
    await writeFile(file, JSON.stringify(definition));
    // A runtime that records every container asked for, and has no image of its own.
    const runtime = new FakeContainerEngine({ images: [] });
    const refused = await runDefinitionFile({ file, config: home.config, environment: { runtime } }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PreflightError);
    const problems = (refused as PreflightError).problems.map((p) => `${p.code} ${p.step ?? ''}`);
    expect(problems).toEqual(expect.arrayContaining(['IMAGE_NOT_MAPPED HousingModel-CreateModel', 'S3_INPUT_NOT_FOUND PreprocessHousingData']));
    expect(runtime.specs).toEqual([]);
    // The CLI says the same, with the JSON paths, and exits 2.
    const cli = await home.cli('run', file);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('$.Steps[3].Arguments.IfSteps[1].Arguments.PrimaryContainer.Image (step HousingModel-CreateModel)');
    expect(cli.stderr).toContain('$.Steps[0].Arguments.ProcessingInputs[0].S3Input.S3Uri (step PreprocessHousingData)');
  });
});
