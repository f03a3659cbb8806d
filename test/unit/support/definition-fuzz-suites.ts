// The definition fuzz suite's two halves as parametrised suites (fixed seeds, bounded counts;
// `npm run bench:fuzz-definitions` runs the full counts). Mutated SDK definitions and the hostile
// shapes of issue 10 go through the library and the CLI shell: whatever validate accepts runs
// stubbed to Succeeded / Failed / Stopped; whatever it rejects gets coded problems; nothing throws
// an internal error or prints a stack trace. The definition-fuzz-*.test.ts files each run a slice,
// so the unit suite's workers share the work (together: 1,000 definitions through the library,
// 150 through the CLI shell).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnvironment, type TestEnvironment } from '../../../src/testing/test-environment.js';
import { CLI_COMMANDS, type FuzzResult, checkInLibrary, checkInProcessCli } from './definition-fuzz-check.js';
import { type MutatedDefinition, knownHostileDefinitions, loadBases, mutatedDefinition, seededRandom } from './definition-mutations.js';

/** One slice of the fuzz: `count` definitions from `seed`, and the hostile shapes when asked. */
export interface FuzzSlice {
  readonly seed: number;
  readonly count: number;
  readonly hostile: boolean;
}

/** The bound only catches a hang: a slice takes seconds on a quiet machine, minutes on a loaded one. */
const HANG_MS = 600_000;

function generate(seed: number, count: number): MutatedDefinition[] {
  const random = seededRandom(seed);
  const bases = loadBases();
  return Array.from({ length: count }, () => mutatedDefinition(random, bases));
}

/** Failures as readable lines, so a broken invariant names the definition that broke it. */
const broken = (results: readonly { definition: MutatedDefinition; result: FuzzResult; command?: string }[]): string[] =>
  results.filter((r) => r.result.failure).map((r) => `${r.command ? `${r.command}: ` : ''}${r.definition.label}\n  ${r.result.failure ?? ''}`);

/** Library: validate, graph and a stubbed run through the harness. */
export function describeLibraryFuzz(slice: FuzzSlice): void {
  describe('definition fuzz: library', { timeout: HANG_MS }, () => {
    let env: TestEnvironment;
    beforeAll(async () => {
      env = await createTestEnvironment();
    });
    afterAll(async () => {
      await env.dispose();
    });

    if (slice.hostile) {
      it('runs the hostile shapes of issue 10 or rejects them with coded problems', async () => {
        const outcomes: Record<string, string> = {};
        const results = [];
        for (const definition of knownHostileDefinitions()) {
          const result = await checkInLibrary(definition, env);
          outcomes[definition.label] = result.outcome;
          results.push({ definition, result });
        }
        expect(broken(results)).toEqual([]);
        expect(outcomes).toEqual({
          'condition without ElseSteps': 'ran:Succeeded',
          'arguments nested 2,000 deep': 'rejected',
          'document nested 100,000 deep': 'rejected',
          '3,000-step DependsOn chain whose first step fails': 'ran:Failed',
          'conditions nested 5,000 deep': 'rejected',
          'conditions nested 100 deep': 'ran:Failed',
        });
      });
    }

    it(`holds for ${slice.count} mutated definitions (seed ${slice.seed}): accepted ones run, rejected ones get coded problems`, async () => {
      const results = [];
      const outcomes = new Map<string, number>();
      for (const definition of generate(slice.seed, slice.count)) {
        const result = await checkInLibrary(definition, env);
        results.push({ definition, result });
        const kind = result.outcome.split(':')[0] as string;
        outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
      }
      expect(broken(results)).toEqual([]);
      // Both outcomes must be common, or the mutations are not exercising validation and the engine.
      expect(outcomes.get('ran') ?? 0).toBeGreaterThan(slice.count / 10);
      expect(outcomes.get('rejected') ?? 0).toBeGreaterThan(slice.count / 3);
    });
  });
}

/** The CLI shell, in process: `validate`, `graph` and `run --stub-all` on every definition. */
export function describeCliFuzz(slice: FuzzSlice): void {
  describe('definition fuzz: the CLI shell, in process', { timeout: HANG_MS }, () => {
    let work: string;
    beforeAll(() => {
      work = mkdtempSync(path.join(tmpdir(), 'sagesim-fuzz-cli-'));
    });
    afterAll(() => {
      rmSync(work, { recursive: true, force: true });
    });

    const what = `${slice.count} mutated definitions (seed ${slice.seed})${slice.hostile ? ' and the hostile shapes' : ''}`;
    it(`validate, graph and run --stub-all exit 0, 1 or 2 on ${what}, without an internal error or a stack trace`, async () => {
      const definitions = [...(slice.hostile ? knownHostileDefinitions() : []), ...generate(slice.seed, slice.count)];
      const results = [];
      const exits = new Set<string>();
      for (const [i, definition] of definitions.entries()) {
        const file = path.join(work, `d${i}.json`);
        writeFileSync(file, definition.text);
        for (const command of CLI_COMMANDS) {
          const result = await checkInProcessCli(command, file, work, path.join(work, `home${i}`));
          results.push({ definition, result, command: command.join(' ') });
          exits.add(result.outcome);
        }
      }
      expect(broken(results)).toEqual([]);
      expect([...exits].sort()).toEqual(['exit:0', 'exit:1', 'exit:2']);
    });
  });
}
