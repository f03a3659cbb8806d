// The definition fuzz suite through the real CLI, as child processes: the hostile shapes of issue
// 10 and a sample of mutated definitions through `validate`, `graph` and `run --stub-all`. Exit
// codes are 0, 1 or 2 only, no internal error, no stack trace, and no command uses over 10 s of
// CPU (measured in the child, so a loaded machine does not fail it; wall time only catches hangs).
// The unit suite runs hundreds more through the same CLI in process; `npm run bench:fuzz-definitions` runs
// the full counts. No Docker: every job step is a stub.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_COMMANDS, checkCliOutput } from '../unit/support/definition-fuzz-check.js';
import { knownHostileDefinitions, loadBases, mutatedDefinition, seededRandom } from '../unit/support/definition-mutations.js';
import { inParallel, runMeasuredCli } from './support/measured-cli.js';
import { ensureBuilt } from './support/real-cli.js';

const MUTATED = 4;
const CPU_BOUND_MS = 10_000;
const HANG_MS = 90_000;

describe('definition fuzz: the real CLI', { timeout: 600_000 }, () => {
  let work: string;
  beforeAll(() => {
    ensureBuilt();
    work = mkdtempSync(path.join(tmpdir(), 'sagesim-fuzz-real-cli-'));
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it('validate, graph and run --stub-all: exit 0, 1 or 2, no internal error, no stack trace, under 10 s of CPU', async () => {
    const random = seededRandom(424242);
    const bases = loadBases();
    const definitions = [...knownHostileDefinitions(), ...Array.from({ length: MUTATED }, () => mutatedDefinition(random, bases))];
    const tasks = definitions.flatMap((definition, i) => {
      const file = path.join(work, `d${i}.json`);
      writeFileSync(file, definition.text);
      return CLI_COMMANDS.map((command) => async () => {
        const args = [...command, file, ...(command[0] === 'run' ? ['--home', path.join(work, `home${i}`)] : [])];
        const result = await runMeasuredCli(args, work, HANG_MS);
        const what = `${command.join(' ')} (${definition.label})`;
        const problem = result.killed
          ? `still running after ${HANG_MS / 1000} s`
          : (checkCliOutput(result.code, result.stdout, result.stderr) ?? ((result.cpuMs ?? 0) > CPU_BOUND_MS ? `used ${result.cpuMs} ms of CPU` : undefined));
        return { what, code: result.code, cpuMs: result.cpuMs, problem };
      });
    });
    const results = await inParallel(tasks, 3);
    expect(results.filter((r) => r.problem).map((r) => `${r.what}: ${r.problem ?? ''}`)).toEqual([]);
    // The CPU time was measured for every command (a missing figure would make the bound vacuous).
    expect(results.filter((r) => r.cpuMs === undefined)).toEqual([]);
    // Accepted and rejected definitions both occur, or the sample exercises only one path.
    expect([...new Set(results.map((r) => r.code))]).toEqual(expect.arrayContaining([0, 1]));
  });
});
