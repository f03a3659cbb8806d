// Property test: thousands of mutated SDK definitions go through validateDefinition; none crashes.
// Each is accepted, or rejected with coded problems whose paths start at `$`, and an accepted one
// always builds a graph. Timeouts are generous: the suite must pass on a loaded machine.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SagesimError } from '../../src/errors.js';
import { buildGraph } from '../../src/engine/graph.js';
import { type JsonValue, isJsonObject } from '../../src/engine/json.js';
import { validateDefinitionText } from '../../src/engine/load-definition.js';
import { validateDefinition } from '../../src/engine/validate.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/definitions');
const BASES: JsonValue[] = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(path.join(FIXTURES, f), 'utf8')) as JsonValue);

/** Every container slot in a document: (parent, key) pairs, so a mutation can target any of them. */
function slots(root: JsonValue): { parent: JsonValue[] | Record<string, JsonValue>; key: string | number }[] {
  const out: { parent: JsonValue[] | Record<string, JsonValue>; key: string | number }[] = [];
  const visit = (value: JsonValue): void => {
    if (Array.isArray(value)) {
      value.forEach((child, i) => {
        out.push({ parent: value, key: i });
        visit(child);
      });
    } else if (isJsonObject(value)) {
      for (const [k, child] of Object.entries(value)) {
        out.push({ parent: value, key: k });
        visit(child);
      }
    }
  };
  visit(root);
  return out;
}

const stepNames = (root: JsonValue): string[] => {
  const names: string[] = [];
  const visit = (value: JsonValue): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (isJsonObject(value)) {
      if (typeof value['Name'] === 'string' && typeof value['Type'] === 'string') names.push(value['Name']);
      Object.values(value).forEach(visit);
    }
  };
  visit(root);
  return names;
};

const badExpression = fc.oneof(
  fc.jsonValue().map((v) => ({ Get: v })),
  fc.constantFrom('Parameters.', 'Steps.', 'Steps.X', "Steps.A.B['c", 'Execution.Nope', 'Steps.AbaloneTrain.OutputParameters[0]', 'Steps.AbaloneEval.PropertyFiles').map((g) => ({ Get: g })),
  fc.jsonValue().map((v) => ({ 'Std:Join': v })),
  fc.jsonValue().map((v) => ({ 'Std:JsonGet': v })),
  fc.record({ Path: fc.oneof(fc.string(), fc.jsonValue()), PropertyFile: fc.jsonValue(), S3Uri: fc.jsonValue() }, { requiredKeys: [] }).map((v) => ({ 'Std:JsonGet': v as JsonValue })),
  fc.record({ Type: fc.oneof(fc.constantFrom('Equals', 'In', 'Not', 'Or', 'LessThan', 'Bogus'), fc.jsonValue()), LeftValue: fc.jsonValue(), Expression: fc.jsonValue(), Conditions: fc.jsonValue(), Values: fc.jsonValue() }, { requiredKeys: [] }) as fc.Arbitrary<JsonValue>,
);

type Mutation = { op: 'delete' | 'replace' | 'retype' | 'rename' | 'inject'; at: number; value: JsonValue; pick: number };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('delete', 'replace', 'retype', 'rename', 'inject'),
  at: fc.nat(),
  value: fc.oneof(fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<JsonValue>, badExpression as fc.Arbitrary<JsonValue>),
  pick: fc.nat(),
});

function applyMutation(root: JsonValue, m: Mutation): void {
  const all = slots(root);
  if (all.length === 0) return;
  const { parent, key } = all[m.at % all.length] as (typeof all)[number];
  const set = (value: JsonValue): void => {
    (parent as Record<string | number, JsonValue>)[key] = value;
  };
  const current = (parent as Record<string | number, JsonValue>)[key] as JsonValue;
  switch (m.op) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key as string];
      return;
    case 'replace':
    case 'inject':
      set(m.value);
      return;
    case 'retype':
      set(typeof current === 'string' ? m.pick : typeof current === 'number' ? String(current) : Array.isArray(current) ? { ...current } : isJsonObject(current) ? Object.values(current) : 'x');
      return;
    case 'rename': {
      // Give some step the name of another (a duplicate) or of nothing in particular.
      const nameSlots = all.filter((s) => s.key === 'Name' && !Array.isArray(s.parent) && typeof s.parent['Type'] === 'string');
      const target = nameSlots[m.at % Math.max(nameSlots.length, 1)];
      const names = stepNames(root);
      if (target) (target.parent as Record<string, JsonValue>)['Name'] = m.pick % 3 === 0 ? JSON.stringify(m.value) : (names[m.pick % names.length] as string);
      return;
    }
  }
}

/** Returns whether the definition was accepted. */
function assertWellFormed(raw: unknown): boolean {
  const result = validateDefinition(raw);
  for (const problem of result.problems) {
    expect(typeof problem.code === 'string' && problem.code.length > 0).toBe(true);
    expect(problem.path.startsWith('$')).toBe(true);
    expect(problem.message.length).toBeGreaterThan(0);
  }
  if (result.problems.length === 0) {
    expect(result.definition).toBeDefined();
    // An accepted definition must be runnable as a graph: no crash, no hidden cycle.
    buildGraph(result.definition as never);
    return true;
  }
  expect(result.definition).toBeUndefined();
  return false;
}

describe('validateDefinition under mutation', () => {
  it('never throws on thousands of mutated SDK definitions, and reports coded problems at $-paths', () => {
    const outcomes = { accepted: 0, rejected: 0 };
    fc.assert(
      fc.property(fc.nat({ max: BASES.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (baseIndex, mutations) => {
        const raw = structuredClone(BASES[baseIndex]) as JsonValue;
        for (const m of mutations) applyMutation(raw, m);
        outcomes[assertWellFormed(raw) ? 'accepted' : 'rejected'] += 1;
      }),
      { numRuns: 2500, seed: 20201201 },
    );
    // Both outcomes must be common, or the mutations are not exercising the validator.
    expect(outcomes.accepted).toBeGreaterThan(100);
    expect(outcomes.rejected).toBeGreaterThan(1000);
  }, 120_000);

  it('never throws on random JSON, with or without the right Version', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), fc.boolean(), (value, versioned) => {
        const raw = versioned && isJsonObject(value) ? { ...value, Version: '2020-12-01' } : value;
        assertWellFormed(raw);
      }),
      { numRuns: 1500, seed: 7 },
    );
  }, 120_000);

  it('never throws anything but a coded SagesimError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        try {
          validateDefinitionText(text, 'fuzz.json');
        } catch (error) {
          expect(error).toBeInstanceOf(SagesimError);
          expect((error as SagesimError).code).toBe('NOT_JSON');
        }
      }),
      { numRuns: 1000, seed: 11 },
    );
  });
});
