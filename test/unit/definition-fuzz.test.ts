// The definition fuzz suite (fixed seeds, bounded counts; `npm run bench:fuzz-definitions` runs the full
// counts): mutated SDK definitions and the hostile shapes of issue 10 go through the library and
// the CLI shell. Whatever validate accepts runs stubbed to Succeeded / Failed / Stopped; whatever
// it rejects gets coded problems; nothing throws an internal error or prints a stack trace.
// validate-fuzz.test.ts fuzzes validateDefinition alone, with fast-check.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnvironment, type TestEnvironment } from '../../src/testing/test-environment.js';
import { CLI_COMMANDS, type FuzzResult, checkInLibrary, checkInProcessCli } from './support/definition-fuzz-check.js';
import { type MutatedDefinition, knownHostileDefinitions, loadBases, mutatedDefinition, seededRandom } from './support/definition-mutations.js';

const LIBRARY_COUNT = 1000;
const CLI_COUNT = 150;

function generate(seed: number, count: number): MutatedDefinition[] {
  const random = seededRandom(seed);
  const bases = loadBases();
  return Array.from({ length: count }, () => mutatedDefinition(random, bases));
}

/** Failures as readable lines, so a broken invariant names the definition that broke it. */
const broken = (results: readonly { definition: MutatedDefinition; result: FuzzResult; command?: string }[]): string[] =>
  results.filter((r) => r.result.failure).map((r) => `${r.command ? `${r.command}: ` : ''}${r.definition.label}\n  ${r.result.failure ?? ''}`);

describe('definition fuzz: library', { timeout: 600_000 }, () => {
  let env: TestEnvironment;
  beforeAll(async () => {
    env = await createTestEnvironment();
  });
  afterAll(async () => {
    await env.dispose();
  });

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

  it(`holds for ${LIBRARY_COUNT} mutated definitions: accepted ones run, rejected ones get coded problems`, async () => {
    const results = [];
    const outcomes = new Map<string, number>();
    for (const definition of generate(20261203, LIBRARY_COUNT)) {
      const result = await checkInLibrary(definition, env);
      results.push({ definition, result });
      const kind = result.outcome.split(':')[0] as string;
      outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
    }
    expect(broken(results)).toEqual([]);
    // Both outcomes must be common, or the mutations are not exercising validation and the engine.
    expect(outcomes.get('ran') ?? 0).toBeGreaterThan(LIBRARY_COUNT / 10);
    expect(outcomes.get('rejected') ?? 0).toBeGreaterThan(LIBRARY_COUNT / 3);
  });
});

describe('definition fuzz: the CLI shell, in process', { timeout: 600_000 }, () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'sagesim-fuzz-cli-'));
  });
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
  });

  it(`validate, graph and run --stub-all exit 0, 1 or 2 on ${CLI_COUNT} mutated definitions and the hostile shapes, without an internal error or a stack trace`, async () => {
    const definitions = [...knownHostileDefinitions(), ...generate(7, CLI_COUNT)];
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
