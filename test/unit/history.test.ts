// Execution history: `sagesim ls`, `sagesim show`, `sagesim logs [--follow]`, in-process over
// stub runs of the fixture definitions in a temporary home.
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { ExecutionRecord, StepRecord } from '../../src/engine/execution-record.js';
import { findStep } from '../../src/history/find-step.js';
import { formatExecutionList } from '../../src/history/format-execution-list.js';
import { followStepLog } from '../../src/history/step-log.js';
import { isSagesimError } from '../../src/errors.js';
import { captureIo } from './support/capture-io.js';
import { WatchedClock } from './support/watched-clock.js';

const ABALONE = path.resolve(import.meta.dirname, '../../fixtures/definitions/abalone.json');

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sagesim-history-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function cli(cwd: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo(cwd, { TZ: 'UTC' });
  const code = await runCli([...args, '--home', path.join(cwd, 'home')], io);
  return { code, out: io.out(), err: io.err() };
}

/** Runs abalone with stubs; `mse` decides the condition (the threshold is 6). */
async function runAbalone(cwd: string, mse: number): Promise<ExecutionRecord> {
  const stubs = path.join(cwd, `stubs-${mse}.json`);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(stubs, JSON.stringify({ AbaloneEval: { propertyFiles: { EvaluationReport: { regression_metrics: { mse: { value: mse } } } } } }));
  const { out } = await cli(cwd, 'run', ABALONE, '--stub-all', '--stubs', stubs, '--json');
  return JSON.parse(out) as ExecutionRecord & { PipelineExecutionArn: string };
}

function idOf(json: unknown): string {
  const arn = (json as { PipelineExecutionArn: string }).PipelineExecutionArn;
  return arn.slice(arn.lastIndexOf('/') + 1);
}

describe('sagesim ls', () => {
  it('lists executions newest first with pipeline, status, start and duration', async () => {
    const cwd = tempDir();
    const first = idOf(await runAbalone(cwd, 3));
    const second = idOf(await runAbalone(cwd, 9));
    const { code, out } = await cli(cwd, 'ls');
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toMatch(/^EXECUTION\s+PIPELINE\s+STATUS\s+STARTED\s+DURATION\s+NOTE$/);
    expect(lines[1]).toMatch(new RegExp(`^${second}\\s+abalone\\s+Failed\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+\\S+\\s+STUB RUN \\(every step stubbed\\); failed: AbaloneMSEFail$`));
    expect(lines[2]).toMatch(new RegExp(`^${first}\\s+abalone\\s+Succeeded\\s`));
  });

  it('says how to start when the store is empty, and filters by pipeline as JSON', async () => {
    const cwd = tempDir();
    expect((await cli(cwd, 'ls')).out).toContain('No executions yet');
    await runAbalone(cwd, 3);
    expect(JSON.parse((await cli(cwd, 'ls', '--json', '--pipeline', 'other')).out)).toEqual([]);
    const [only] = JSON.parse((await cli(cwd, 'ls', '--json', '--pipeline', 'ABALONE')).out) as { PipelineExecutionStatus: string }[];
    expect(only?.PipelineExecutionStatus).toBe('Succeeded');
  });

  it('notes selective executions and their source', () => {
    const record = {
      executionId: 'bbbbbbbbbbbb',
      executionArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/p/execution/bbbbbbbbbbbb',
      pipelineName: 'p',
      status: 'Succeeded',
      startTime: '2024-06-01T12:00:00.000Z',
      endTime: '2024-06-01T12:04:05.000Z',
      steps: [],
      mode: 'local',
      selectedSteps: ['Evaluate', 'Check'],
      sourceExecutionArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/p/execution/aaaaaaaaaaaa',
    } as unknown as ExecutionRecord;
    expect(formatExecutionList([record], { timeZone: 'UTC' })).toContain('bbbbbbbbbbbb  p         Succeeded  2024-06-01 12:00:00  4m05s     selective from aaaaaaaaaaaa: Evaluate, Check');
  });
});

describe('sagesim show', () => {
  it('shows steps with timings, attempts, outcome, failure, resolved arguments and property files, by a prefix of the id', async () => {
    const cwd = tempDir();
    const id = idOf(await runAbalone(cwd, 9));
    const { code, out } = await cli(cwd, 'show', id.slice(0, 5), '--full');
    expect(code).toBe(0);
    expect(out).toContain(`Execution ${id}  Failed`);
    expect(out).toContain('Failure     Step failure: One or multiple steps failed.');
    expect(out).toMatch(/Parameters {2}ProcessingInstanceCount=1, .*MseThreshold=6/);
    expect(out).toMatch(/AbaloneMSECond\s+Condition\s+Succeeded\s+\S+\s+1\s+-\s+False/);
    expect(out).toContain('AbaloneMSEFail  (Fail)  Failed');
    expect(out).toContain('Error       Execution failed due to MSE > 6');
    expect(out).toContain('Skipped     branch not taken: condition AbaloneMSECond evaluated to False');
    expect(out).toMatch(/Job\s+TrainingJob arn:aws:sagemaker:us-east-1:111122223333:training-job\//);
    expect(out).toMatch(/"mse": \{\s+"value": 9/);
    expect(out).toContain('Resolved arguments:');
  });

  it('narrows to one step, and leaves out arguments and properties unless --full', async () => {
    const cwd = tempDir();
    const id = idOf(await runAbalone(cwd, 3));
    const { out } = await cli(cwd, 'show', id, '--step', 'abalonetrain');
    expect(out).toContain('AbaloneTrain  (Training)  Succeeded');
    expect(out).not.toContain('AbaloneProcess  (Processing)');
    expect(out).not.toContain('Resolved arguments:');
    expect(out).toContain('add --full');
    expect((await cli(cwd, 'show', id, '--step', 'abalonetrain', '--brief')).out).not.toContain('Resolved arguments:');
    expect((await cli(cwd, 'show', id, '--step', 'abalonetrain', '--full')).out).toContain('Resolved arguments:');
  });

  it('marks a stub run and its stubbed steps in show, ls and --json', async () => {
    const cwd = tempDir();
    const id = idOf(await runAbalone(cwd, 3));
    const shown = (await cli(cwd, 'show', id)).out;
    expect(shown).toMatch(/Stubbed {5}AbaloneProcess, AbaloneTrain/);
    expect(shown).toMatch(/AbaloneTrain\s+Training\s+Succeeded \(stub\)/);
    expect(shown).toContain('Stub        yes: its properties are stand-ins, no job ran');
    expect((await cli(cwd, 'ls')).out).toContain('STUB RUN (every step stubbed)');
    const listed = JSON.parse((await cli(cwd, 'ls', '--json')).out) as { StubbedSteps: string[] }[];
    expect(listed[0]?.StubbedSteps).toContain('AbaloneTrain');
    const record = JSON.parse((await cli(cwd, 'show', id, '--json')).out) as ExecutionRecord;
    expect(record.steps.find((s) => s.stepName === 'AbaloneTrain')?.stubbed).toBe(true);
  });

  it('a stub run suggests no model to approve: its RegisterModel stub registered nothing', async () => {
    const cwd = tempDir();
    const { code, out, err } = await cli(cwd, 'run', ABALONE, '--stub-all');
    expect(code).toBe(0);
    expect(`${out}${err}`).toMatch(/AbaloneRegisterModel\S*\s+Succeeded in \S+ \(stub\)/);
    expect(`${out}${err}`).not.toContain('models approve');
    expect((await cli(cwd, 'models', 'ls')).out).toBe('no model packages registered yet\n');
  });

  it('prints the stored record with --json, and one step with --step', async () => {
    const cwd = tempDir();
    const id = idOf(await runAbalone(cwd, 3));
    const record = JSON.parse((await cli(cwd, 'show', id, '--json')).out) as ExecutionRecord;
    expect(record.executionId).toBe(id);
    expect(record.steps.find((s) => s.stepName === 'AbaloneEval')?.propertyFiles).toEqual({ EvaluationReport: { regression_metrics: { mse: { value: 3 } } } });
    const step = JSON.parse((await cli(cwd, 'show', id, '--json', '--step', 'AbaloneEval')).out) as StepRecord;
    expect(step.stepName).toBe('AbaloneEval');
  });

  it('fails with exit 2 and a hint for an unknown execution', async () => {
    const cwd = tempDir();
    await runAbalone(cwd, 3);
    const { code, err } = await cli(cwd, 'show', 'zzzz');
    expect(code).toBe(2);
    expect(err).toContain('no execution "zzzz"');
    expect(err).toContain('sagesim ls');
  });
});

describe('sagesim logs', () => {
  it("prints a step's log, naming the step in any case", async () => {
    const cwd = tempDir();
    const id = idOf(await runAbalone(cwd, 3));
    const { code, out } = await cli(cwd, 'logs', id, 'abalonemsecond');
    expect(code).toBe(0);
    expect(out).toBe('condition evaluated to true\n');
  });

  it('prints the log of the run a cache hit came from, headed by where it came from', async () => {
    const cwd = tempDir();
    const { readFileSync, writeFileSync } = await import('node:fs');
    // Abalone with its processing step cached.
    const definition = JSON.parse(readFileSync(ABALONE, 'utf8')) as { Steps: { Name: string; CacheConfig?: unknown }[] };
    for (const step of definition.Steps) if (step.Name === 'AbaloneProcess') step.CacheConfig = { Enabled: true, ExpireAfter: 'P1D' };
    const file = path.join(cwd, 'abalone.json');
    writeFileSync(file, JSON.stringify(definition));
    const first = idOf(JSON.parse((await cli(cwd, 'run', file, '--stub-all', '--json')).out));
    const second = idOf(JSON.parse((await cli(cwd, 'run', file, '--stub-all', '--json')).out));
    // Stubs write no log of their own: give the source step one, as a real job would have.
    const logs = path.join(cwd, 'home', 'executions', first, 'logs');
    mkdirSync(logs, { recursive: true });
    writeFileSync(path.join(logs, 'AbaloneProcess.log'), 'split 4177 rows\n');
    const { code, out } = await cli(cwd, 'logs', second, 'AbaloneProcess');
    expect(code).toBe(0);
    expect(out).toBe(`-- AbaloneProcess was a cache hit: log of step AbaloneProcess in execution ${first} (arn:aws:sagemaker:us-east-1:111122223333:pipeline/abalone/execution/${first})\nsplit 4177 rows\n`);
    expect((await cli(cwd, 'logs', second, 'AbaloneProcess', '--follow')).out).toBe(out);
  });

  it('explains why a step has no log', async () => {
    const cwd = tempDir();
    const id = idOf(await runAbalone(cwd, 3));
    const { code, err } = await cli(cwd, 'logs', id, 'AbaloneMSEFail');
    expect(code).toBe(0);
    expect(err).toContain('step AbaloneMSEFail has no log: it did not run (branch not taken');
  });

  it('--follow on a finished step prints the log and the final status', async () => {
    const cwd = tempDir();
    const id = idOf(await runAbalone(cwd, 3));
    const { out, err } = await cli(cwd, 'logs', id, 'AbaloneMSECond', '--follow');
    expect(out).toBe('condition evaluated to true\n');
    expect(err).toBe('-- AbaloneMSECond Succeeded\n');
  });

  it('rejects an unknown or ambiguous step with the list of steps', async () => {
    const cwd = tempDir();
    const id = idOf(await runAbalone(cwd, 3));
    const unknown = await cli(cwd, 'logs', id, 'Nope');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('hint: steps are: AbaloneProcess, AbaloneTrain');
    const ambiguous = await cli(cwd, 'logs', id, 'AbaloneT');
    expect(ambiguous.err).toContain('"AbaloneT" matches 2 steps: AbaloneTrain, AbaloneTransform');
  });
});

describe('following a log', () => {
  it('prints lines as they are appended and stops when the step ends', async () => {
    const dir = tempDir();
    const logFile = path.join(dir, 'exec1', 'logs', 'Train.log');
    mkdirSync(path.dirname(logFile), { recursive: true });
    const step: StepRecord = { stepName: 'Train', stepType: 'Training', status: 'Executing', attemptCount: 1, metadata: {} };
    const record = { executionId: 'exec1', status: 'Executing', steps: [step] } as unknown as ExecutionRecord;
    const clock = new WatchedClock();
    const chunks: string[] = [];
    const store = { executionDir: (id: string) => path.join(dir, id), get: async () => structuredClone(record) };
    const following = followStepLog({ store, executionId: 'exec1', stepName: 'Train', write: (text) => chunks.push(text), clock, pollMs: 100 });

    await clock.untilSleeping();
    appendFileSync(logFile, '[0] train-rmse:3.1\n[1] train-');
    await clock.advance(100);
    await clock.untilSleeping();
    expect(chunks.join('')).toBe('[0] train-rmse:3.1\n');
    appendFileSync(logFile, 'rmse:2.7\n');
    step.status = 'Succeeded';
    await clock.advance(100);
    const last = await following;
    expect(chunks.join('')).toBe('[0] train-rmse:3.1\n[1] train-rmse:2.7\n');
    expect(last?.status).toBe('Succeeded');
  });

  it('finds steps that have not started through the definition', () => {
    const record = {
      executionId: 'x',
      steps: [],
      definition: { Version: '2020-12-01', Steps: [{ Name: 'Only', Type: 'Fail', Arguments: {} }] },
    } as unknown as ExecutionRecord;
    expect(findStep(record, 'only')).toEqual({ name: 'Only', record: undefined });
    let code: string | undefined;
    try {
      findStep(record, 'Other');
    } catch (error) {
      code = isSagesimError(error) ? error.code : undefined;
    }
    expect(code).toBe('STEP_NOT_FOUND');
  });
});
