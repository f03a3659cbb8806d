// `sagesim run <file> --from <execution> --steps A,B` and `sagesim retry <execution>`, in-process
// with stubs over the abalone fixture.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { RunJsonShape } from '../../src/engine/run-record-json.js';
import { captureIo } from './support/capture-io.js';

const ABALONE = path.resolve(import.meta.dirname, '../../fixtures/definitions/abalone.json');
const AFTER_EVAL = 'AbaloneEval,AbaloneMSECond,AbaloneRegisterModel-RegisterModel,AbaloneCreateModel-CreateModel,AbaloneTransform,AbaloneMSEFail';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup(): { cwd: string; cli: (...args: string[]) => Promise<{ code: number; out: string; err: string; json?: RunJsonShape }> } {
  const cwd = mkdtempSync(path.join(tmpdir(), 'sagesim-selective-'));
  dirs.push(cwd);
  writeFileSync(path.join(cwd, 'broken.json'), JSON.stringify({ AbaloneEval: { fail: { reason: 'evaluate.py: NameError: name "mse" is not defined' } } }));
  writeFileSync(path.join(cwd, 'good.json'), JSON.stringify({ AbaloneEval: { propertyFiles: { EvaluationReport: { regression_metrics: { mse: { value: 2.5 } } } } } }));
  const cli = async (...args: string[]) => {
    const io = captureIo(cwd);
    const code = await runCli([...args, '--home', path.join(cwd, 'home')], io);
    const out = io.out();
    const err = io.err();
    let json: RunJsonShape | undefined;
    try {
      json = JSON.parse(out) as RunJsonShape;
    } catch {
      json = undefined;
    }
    return { code, out, err, ...(json ? { json } : {}) };
  };
  return { cwd, cli };
}

const idOf = (json: RunJsonShape | undefined): string => json?.PipelineExecutionArn.split('/').pop() ?? '';
const step = (json: RunJsonShape | undefined, name: string) => json?.PipelineExecutionSteps.find((s) => s.StepName === name);

describe('sagesim run --from --steps', () => {
  it('re-runs the failed step and what follows on the results of the steps before it', async () => {
    const { cli } = setup();
    const failed = await cli('run', ABALONE, '--stub-all', '--stubs', 'broken.json', '--json');
    expect(failed.code).toBe(1);
    expect(step(failed.json, 'AbaloneEval')?.StepStatus).toBe('Failed');

    const again = await cli('run', ABALONE, '--stub-all', '--stubs', 'good.json', '--json', '--from', idOf(failed.json).slice(0, 6), '--steps', AFTER_EVAL);
    expect(again.err).not.toContain('error:');
    expect(again.code).toBe(0);
    expect(again.json?.PipelineExecutionStatus).toBe('Succeeded');
    expect(again.json?.SelectiveExecutionConfig?.SourcePipelineExecutionArn).toBe(failed.json?.PipelineExecutionArn);
    expect(step(again.json, 'AbaloneTrain')).toMatchObject({ StepStatus: 'Succeeded', SelectiveExecutionResult: { SourcePipelineExecutionArn: failed.json?.PipelineExecutionArn } });
    expect(step(again.json, 'AbaloneTrain')?.StartTime).toBe(step(failed.json, 'AbaloneTrain')?.StartTime);
    expect(step(again.json, 'AbaloneEval')?.SelectiveExecutionResult).toBeUndefined();
    expect(step(again.json, 'AbaloneMSECond')?.Metadata).toEqual({ Condition: { Outcome: 'True' } });
  });

  it('refuses a selection with a gap, naming the missing step', async () => {
    const { cli } = setup();
    const source = await cli('run', ABALONE, '--stub-all', '--json');
    const gap = await cli('run', ABALONE, '--stub-all', '--from', idOf(source.json), '--steps', 'AbaloneTrain,AbaloneMSECond');
    expect(gap.code).toBe(2);
    expect(gap.err).toContain('missing: AbaloneEval (AbaloneTrain -> AbaloneEval -> AbaloneMSECond)');
    expect(gap.err).toContain('hint: select them too: --steps AbaloneTrain,AbaloneEval,AbaloneMSECond');
  });

  it('wants --steps with --from', async () => {
    const { cli } = setup();
    const result = await cli('run', ABALONE, '--stub-all', '--from', 'abc');
    expect(result.code).toBe(2);
    expect(result.err).toContain('--from needs --steps');
  });
});

describe('sagesim retry', () => {
  it('resumes the failed execution under the same ARN', async () => {
    const { cli } = setup();
    const failed = await cli('run', ABALONE, '--stub-all', '--stubs', 'broken.json', '--json');
    const retried = await cli('retry', idOf(failed.json), '--stub-all', '--stubs', 'good.json', '--json');
    expect(retried.code).toBe(0);
    expect(retried.json?.PipelineExecutionArn).toBe(failed.json?.PipelineExecutionArn);
    expect(retried.json?.PipelineExecutionStatus).toBe('Succeeded');
    expect(step(retried.json, 'AbaloneTrain')).toEqual(step(failed.json, 'AbaloneTrain'));
    const ls = await cli('ls');
    expect(ls.out.trim().split('\n')).toHaveLength(2);
  });

  it('refuses to retry an execution that succeeded', async () => {
    const { cli } = setup();
    const done = await cli('run', ABALONE, '--stub-all', '--json');
    const retried = await cli('retry', idOf(done.json), '--stub-all');
    expect(retried.code).toBe(2);
    expect(retried.err).toContain('only a Failed or Stopped execution can be retried');
  });
});
