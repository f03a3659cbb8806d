// `run --json` lists the run's warnings with their catalogued codes, beside the same text the
// progress view prints on stderr; a run without warnings prints the record as before.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { captureIo } from './support/capture-io.js';

const ABALONE = path.resolve(import.meta.dirname, '../../fixtures/definitions/abalone.json');

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function runJson(...args: string[]): Promise<{ code: number; json: Record<string, unknown>; err: string }> {
  const cwd = mkdtempSync(path.join(tmpdir(), 'sagesim-run-warnings-'));
  dirs.push(cwd);
  writeFileSync(path.join(cwd, 'report.json'), JSON.stringify({ AbaloneEval: { propertyFiles: { EvaluationReport: { regression_metrics: { mse: { value: 2.5 } } } } } }));
  const io = captureIo(cwd);
  const code = await runCli(['run', ABALONE, '--stub-all', '--json', ...args, '--home', path.join(cwd, 'home')], io);
  return { code, json: JSON.parse(io.out()) as Record<string, unknown>, err: io.err() };
}

describe('run --json warnings', { timeout: 60_000 }, () => {
  it('lists a stub stand-in property file with its code and step, and prints it on stderr as before', async () => {
    const { code, json, err } = await runJson();
    expect(code).toBe(0);
    expect(json['Warnings']).toEqual([
      { Code: 'STUB_STAND_IN_PROPERTY_FILE', StepName: 'AbaloneEval', Message: expect.stringContaining('stand-in for property file EvaluationReport') },
    ]);
    expect(err).toContain('warning (AbaloneEval): stub wrote a stand-in for property file EvaluationReport');
  });

  it('has no Warnings field when the run did not warn', async () => {
    const { code, json } = await runJson('--stubs', 'report.json');
    expect(code).toBe(0);
    expect(json).not.toHaveProperty('Warnings');
  });
});
