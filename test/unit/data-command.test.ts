// `sagesim data housing|churn`, run in-process through the CLI shell.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { generateChurn } from '../../src/data/churn.js';
import { generateHousing } from '../../src/data/housing.js';
import { captureIo } from './support/capture-io.js';

describe('sagesim data', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sagesim-data-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('prints the housing CSV the API generates for the same rows and seed', async () => {
    const io = captureIo(tempDir());
    const code = await runCli(['data', 'housing', '--rows', '2500', '--seed', '7'], io);
    expect(code).toBe(0);
    expect(io.out()).toBe(generateHousing({ rows: 2500, seed: 7 }));
  });

  it('prints 20,640 housing rows with seed 42 by default', async () => {
    const io = captureIo(tempDir());
    await runCli(['data', 'housing'], io);
    expect(io.out()).toBe(generateHousing({ rows: 20_640, seed: 42 }));
  });

  it('writes the churn CSV to --out relative to the working directory and says so on stderr', async () => {
    const dir = tempDir();
    const io = captureIo(dir);
    const code = await runCli(['data', 'churn', '--rows', '100', '--out', 'churn.csv'], io);
    expect(code).toBe(0);
    expect(readFileSync(path.join(dir, 'churn.csv'), 'utf8')).toBe(generateChurn({ rows: 100, seed: 42 }));
    expect(io.out()).toBe('');
    expect(io.err()).toContain('wrote 100 churn rows');
  });

  it.each([
    ['zero rows', ['--rows', '0']],
    ['fractional rows', ['--rows', '2.5']],
    ['a word as seed', ['--seed', 'abc']],
  ])('rejects %s with a usage error', async (_label, flags) => {
    const io = captureIo(tempDir());
    const code = await runCli(['data', 'housing', ...flags], io);
    expect(code).toBe(2);
    expect(io.err()).toMatch(/must be a whole number/);
    expect(io.out()).toBe('');
  });

  it('says where it could not write', async () => {
    const dir = tempDir();
    const io = captureIo(dir);
    const code = await runCli(['data', 'housing', '--rows', '5', '--out', 'missing/dir/h.csv'], io);
    expect(code).toBe(2);
    expect(io.err()).toContain('cannot write');
  });
});
