// `sagesim run`, in-process through the CLI shell, on the fixture definitions with stubs.
import { EventEmitter } from 'node:events';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/main.js';
import type { RunJsonShape } from '../../src/engine/run-record-json.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/definitions');
const fixture = (name: string): string => path.join(FIXTURES, name);
const FIXTURE_FILES = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));

interface TestIo extends CliIo {
  out(): string;
  err(): string;
  readonly signalEmitter: EventEmitter;
}

function testIo(cwd: string, onStdout?: (chunk: string, io: TestIo) => void): TestIo {
  let out = '';
  let err = '';
  const emitter = new EventEmitter();
  const io: TestIo = {
    stdout: {
      write: (chunk: string) => {
        out += chunk;
        onStdout?.(chunk, io);
        return true;
      },
    },
    stderr: { write: (chunk: string) => (err += chunk) },
    env: {},
    cwd,
    signals: emitter as unknown as NonNullable<CliIo['signals']>,
    signalEmitter: emitter,
    out: () => out,
    err: () => err,
  };
  return io;
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sagesim-run-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function runJson(args: readonly string[], cwd = tempDir()): Promise<{ code: number; json: RunJsonShape; io: TestIo }> {
  const io = testIo(cwd);
  const code = await runCli(['run', ...args, '--json', '--home', path.join(cwd, 'home')], io);
  let json: RunJsonShape;
  try {
    json = JSON.parse(io.out()) as RunJsonShape;
  } catch {
    throw new Error(`stdout is not JSON (exit ${code}):\n${io.out()}\nstderr:\n${io.err()}`);
  }
  return { code, json, io };
}

describe('sagesim run on every fixture with --stub-all', () => {
  it.each(FIXTURE_FILES)('%s: exit code matches the execution status, --json is shaped like the API', async (file) => {
    const { code, json } = await runJson([fixture(file), '--stub-all']);
    expect(['Succeeded', 'Failed']).toContain(json.PipelineExecutionStatus);
    expect(code).toBe(json.PipelineExecutionStatus === 'Succeeded' ? 0 : 1);
    expect(json.PipelineExecutionArn).toMatch(/^arn:aws:sagemaker:us-east-1:111122223333:pipeline\/[a-z0-9-]+\/execution\/[a-z0-9]{12}$/);
    expect(json.PipelineArn).toBe(json.PipelineExecutionArn.replace(/\/execution\/.*$/, ''));
    if (json.PipelineExecutionStatus === 'Failed') expect(json.FailureReason).toBe('Step failure: One or multiple steps failed.');
    for (const parameter of json.PipelineParameters) expect(typeof parameter.Value).toBe('string');
    expect(json.PipelineExecutionSteps.length).toBeGreaterThan(0);
    for (const step of json.PipelineExecutionSteps) {
      expect(step).toEqual(expect.objectContaining({ StepName: expect.any(String), StepStatus: expect.any(String), AttemptCount: expect.any(Number), Metadata: expect.any(Object) }));
      expect(step.StepStatus).not.toBe('Skipped');
    }
    // Newest first, as ListPipelineExecutionSteps returns them.
    const starts = json.PipelineExecutionSteps.map((s) => s.StartTime ?? '');
    expect([...starts].sort().reverse()).toEqual(starts);
    for (const skipped of json.SkippedSteps) expect(skipped.Reason).not.toBe('');
  });
});

describe('sagesim run abalone', () => {
  const stubs = (mse: number): string => {
    const file = path.join(tempDir(), 'stubs.json');
    writeFileSync(file, JSON.stringify({ AbaloneEval: { propertyFiles: { EvaluationReport: { regression_metrics: { mse: { value: mse } } } } } }));
    return file;
  };

  it('registers the model when the MSE is under the threshold: exit 0', async () => {
    const { code, json } = await runJson([fixture('abalone.json'), '--stub-all', '--stubs', stubs(3.1), '--param', 'MseThreshold=6']);
    expect(code).toBe(0);
    const byName = Object.fromEntries(json.PipelineExecutionSteps.map((s) => [s.StepName, s]));
    expect(byName['AbaloneMSECond']?.Metadata).toEqual({ Condition: { Outcome: 'True' } });
    expect(Object.keys(byName['AbaloneTrain']?.Metadata ?? {})).toEqual(['TrainingJob']);
    expect(json.SkippedSteps.map((s) => s.StepName)).toEqual(['AbaloneMSEFail']);
    expect(json.PipelineParameters).toContainEqual({ Name: 'MseThreshold', Value: '6' });
  });

  it('fails through the Fail step when the MSE is above it: exit 1 with the rendered message', async () => {
    const { code, json } = await runJson([fixture('abalone.json'), '--stub-all', '--stubs', stubs(9.5), '--param', 'MseThreshold=6']);
    expect(code).toBe(1);
    expect(json.PipelineExecutionStatus).toBe('Failed');
    const fail = json.PipelineExecutionSteps.find((s) => s.StepName === 'AbaloneMSEFail');
    expect(fail).toMatchObject({ StepStatus: 'Failed', Metadata: { Fail: { ErrorMessage: expect.any(String) } } });
    expect(fail?.FailureReason).toBe((fail?.Metadata as { Fail: { ErrorMessage: string } }).Fail.ErrorMessage);
    expect(json.PipelineExecutionSteps[0]?.StepName).toBe('AbaloneMSEFail');
  });

  it('answers a second run from the cache where CacheConfig allows it', async () => {
    const cwd = tempDir();
    const first = await runJson([fixture('caching-retries.json'), '--stub-all'], cwd);
    const second = await runJson([fixture('caching-retries.json'), '--stub-all'], cwd);
    const hits = second.json.PipelineExecutionSteps.filter((s) => s.CacheHitResult);
    expect(hits.length).toBeGreaterThan(0);
    for (const hit of hits) expect(hit.CacheHitResult?.SourcePipelineExecutionArn).toBe(first.json.PipelineExecutionArn);
    const noCache = await runJson([fixture('caching-retries.json'), '--stub-all', '--no-cache'], cwd);
    expect(noCache.json.PipelineExecutionSteps.filter((s) => s.CacheHitResult)).toEqual([]);
  });

  it('prints transitions and a summary table without --json', async () => {
    const cwd = tempDir();
    const io = testIo(cwd);
    const code = await runCli(['run', fixture('abalone.json'), '--stub-all', '--stubs', stubs(3), '--home', path.join(cwd, 'home')], io);
    expect(code).toBe(0);
    expect(io.out()).toMatch(/^\d\d:\d\d:\d\d AbaloneTrain\s+Executing \(attempt 1\)$/m);
    expect(io.out()).toMatch(/^STEP\s+STATUS\s+DURATION\s+CACHE\s+ATTEMPTS\s+OUTCOME\s+REASON$/m);
    expect(io.out()).toMatch(/^AbaloneMSECond\s+Succeeded\s+\S+\s+-\s+1\s+True$/m);
    expect(io.out()).toMatch(/^Execution [a-z0-9]{12} Succeeded in /m);
  });
});

describe('sagesim run stopping and errors', () => {
  it('SIGINT stops the execution: Stopped, exit 1', async () => {
    const cwd = tempDir();
    const io = testIo(cwd, (chunk, self) => {
      if (chunk.includes(' started (')) self.signalEmitter.emit('SIGINT');
    });
    const code = await runCli(['run', fixture('abalone.json'), '--stub-all', '--home', path.join(cwd, 'home')], io);
    expect(code).toBe(1);
    expect(io.err()).toContain('stopping the execution');
    expect(io.out()).toMatch(/^Execution [a-z0-9]{12} Stopped/m);
    expect(io.signalEmitter.listenerCount('SIGINT')).toBe(0);
  });

  it('SIGTERM (timeout, a cancelled CI job, docker stop) stops the execution like SIGINT: Stopped, exit 1', async () => {
    const cwd = tempDir();
    const io = testIo(cwd, (chunk, self) => {
      if (chunk.includes(' started (')) self.signalEmitter.emit('SIGTERM');
    });
    const code = await runCli(['run', fixture('abalone.json'), '--stub-all', '--home', path.join(cwd, 'home')], io);
    expect(code).toBe(1);
    expect(io.err()).toContain('SIGTERM');
    expect(io.err()).toContain('stopping the execution');
    expect(io.out()).toMatch(/^Execution [a-z0-9]{12} Stopped/m);
    expect(io.signalEmitter.listenerCount('SIGTERM')).toBe(0);
  });

  it('SIGTERM during `sagesim retry` stops the retried execution: Stopped, exit 1', async () => {
    const cwd = tempDir();
    const home = path.join(cwd, 'home');
    const stubsFile = path.join(cwd, 'failing-stubs.json');
    writeFileSync(stubsFile, JSON.stringify({ AbaloneTrain: { fail: { reason: 'boom' } } }));
    const failed = await runJson([fixture('abalone.json'), '--stub-all', '--stubs', stubsFile], cwd);
    expect(failed.json.PipelineExecutionStatus).toBe('Failed');
    const io = testIo(cwd, (chunk, self) => {
      if (chunk.includes(' started (')) self.signalEmitter.emit('SIGTERM');
    });
    const code = await runCli(['retry', failed.json.PipelineExecutionArn, '--stub-all', '--home', home], io);
    expect(code).toBe(1);
    expect(io.out()).toMatch(/^Execution [a-z0-9]{12} Stopped/m);
    expect(io.signalEmitter.listenerCount('SIGTERM')).toBe(0);
  });

  it.each([
    ['an unknown parameter', ['--stub-all', '--param', 'Nope=1'], /Nope/],
    ['a bad --max-parallel', ['--stub-all', '--max-parallel', '0'], /--max-parallel/],
    ['a missing stubs file', ['--stubs', 'missing.json'], /stubs file not found/],
  ])('%s is a usage error: exit 2', async (_label, extra, message) => {
    const cwd = tempDir();
    const io = testIo(cwd);
    const code = await runCli(['run', fixture('abalone.json'), ...extra, '--home', path.join(cwd, 'home')], io);
    expect(code).toBe(2);
    expect(io.err()).toMatch(message);
  });

  it('a step type that cannot run locally, left unstubbed, is a usage error before anything runs: exit 2', async () => {
    const cwd = tempDir();
    const definition = {
      Version: '2020-12-01',
      Metadata: {},
      Parameters: [],
      PipelineExperimentConfig: null,
      Steps: [{ Name: 'SparkJob', Type: 'EMR', Arguments: { ClusterId: 'j-1ABCDEF', StepConfig: { HadoopJarStep: { Jar: 'command-runner.jar' } } } }],
    };
    const file = path.join(cwd, 'emr.json');
    writeFileSync(file, JSON.stringify(definition));
    const io = testIo(cwd);
    const code = await runCli(['run', file, '--home', path.join(cwd, 'home')], io);
    expect(code).toBe(2);
    expect(io.err()).toMatch(/SparkJob.*EMR step.*does not run locally/);
    expect(io.err()).toContain('hint: --stub SparkJob, --stubs stubs.json, or --stub-all');
    expect(io.err()).toContain('hint:');
  });

  it('a missing definition file is a usage error: exit 2', async () => {
    const io = testIo(tempDir());
    expect(await runCli(['run', 'nope.json', '--stub-all'], io)).toBe(2);
    expect(io.err()).toContain('not found');
  });

  it('an invalid definition exits 2 (invalid input, not a failed execution) listing its problems', async () => {
    const cwd = tempDir();
    const io = testIo(cwd);
    const code = await runCli(['run', fixture('invalid/cycle.json'), '--stub-all', '--home', path.join(cwd, 'home')], io);
    expect(code).toBe(2);
    expect(io.err()).toMatch(/CYCLE/);
  });
});
