// Mutated pipeline definitions for the definition fuzz suite and `npm run bench:fuzz-definitions`: the SDK
// fixtures, damaged the way a careless or hostile writer would (members deleted, duplicated and
// retyped, deep nesting, huge strings, odd unicode, cycles, unknown step types, bad Get paths,
// broken text), as JSON text. The same seed gives the same definitions.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type JsonObject, type JsonValue, isJsonObject } from '../../../src/engine/json.js';

export interface MutatedDefinition {
  /** The fixture and the mutations applied, e.g. `abalone.json: delete, deep-value(101)`. */
  readonly label: string;
  readonly text: string;
}

export interface BaseDefinition {
  readonly name: string;
  readonly value: JsonObject;
}

const REPO = path.resolve(import.meta.dirname, '../../..');

/** The valid fixture definitions (fixtures/definitions, the example pipelines) and the invalid ones. */
export function loadBases(): BaseDefinition[] {
  const files: string[] = [];
  const definitions = path.join(REPO, 'fixtures/definitions');
  for (const f of readdirSync(definitions)) if (f.endsWith('.json')) files.push(path.join(definitions, f));
  for (const f of readdirSync(path.join(definitions, 'invalid'))) if (f.endsWith('.json')) files.push(path.join(definitions, 'invalid', f));
  for (const dir of readdirSync(path.join(REPO, 'fixtures'))) {
    const pipeline = path.join(REPO, 'fixtures', dir, 'pipeline.json');
    if (existsSync(pipeline)) files.push(pipeline);
  }
  return files.map((file) => ({ name: path.relative(path.join(REPO, 'fixtures'), file), value: JSON.parse(readFileSync(file, 'utf8')) as JsonObject }));
}

/** mulberry32: a small, fast, seedable generator (Math.random cannot be seeded). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const int = (random: Random, n: number): number => Math.floor(random() * n);
const pick = <T>(random: Random, items: readonly T[]): T => items[int(random, items.length)] as T;

/** Strings that break naive code: lone surrogates, NUL, direction overrides, prototype names, quotes. */
export const ODD_STRINGS: readonly string[] = [
  '',
  ' ',
  '\ud800',
  '\udfff',
  'a\u0000b',
  '\u202eevil',
  '\u200b',
  'e\u0301',
  '😀'.repeat(20),
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  "it's",
  'a"b',
  '[0]',
  "['k']",
  'Steps.X',
  '$.Steps',
  '../../etc/passwd',
  'x'.repeat(65),
  'Ünïcödé-名前',
  '\n\r\t',
  '%s%n',
  '${HOME}',
];

const WEIRD_GETS: readonly string[] = [
  '',
  'Steps',
  'Steps.',
  'Steps..X',
  'Steps.X',
  "Steps.A.B['c",
  'Steps.A.B[99999999999999999999]',
  'Steps.A.B[-1]',
  "Steps.A.B['']",
  'Parameters.',
  'Parameters.__proto__',
  'Parameters.constructor',
  'Execution.',
  'Execution.Nope',
  'Execution.PipelineExecutionId.Foo',
  'PipelineExperimentConfig.Nope',
  'Steps.\ud800',
  `Steps.${'A'.repeat(5000)}`,
  'Steps.__proto__.x',
];

/** Suffixes put after a real step name in a Get: property paths that exist only for some types, or none. */
const WEIRD_PROPERTY_PATHS: readonly string[] = [
  '',
  '.',
  '.ProcessingOutputConfig.Outputs',
  ".ProcessingOutputConfig.Outputs['nope'].S3Output.S3Uri",
  '.ModelArtifacts.S3ModelArtifacts',
  '.ModelArtifacts.S3ModelArtifacts.Deeper',
  ".OutputParameters['x']",
  '.OutputParameters[0]',
  '.PropertyFiles',
  '.PropertyFiles.Nope',
  '.FinalMetricDataList[0].Value',
  ".FinalMetricDataList['mse'].Value",
  '.TrainingJobSummaries[9999].TrainingJobName',
  '[0]',
  "['__proto__']",
];

const DEPTHS = [20, 99, 100, 101, 300, 5000, 100_000] as const;
const CONDITION_DEPTHS = [1, 2, 50, 99, 100, 101, 1000, 5000] as const;
const HUGE_LENGTHS = [10_000, 200_000, 1_100_000] as const;

/** A random JSON value of small size. */
export function randomJson(random: Random, depth = 3): JsonValue {
  const roll = int(random, depth <= 0 ? 5 : 7);
  switch (roll) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return pick(random, [0, -1, 1.5, 1e308, -0, 2 ** 53 + 1, 42]);
    case 3:
      return pick(random, ODD_STRINGS);
    case 4:
      return pick(random, ['Processing', 'Condition', 'Fail', 's3://bucket/key', 'ml.m5.xlarge', 'True', '1']);
    case 5:
      return Array.from({ length: int(random, 4) }, () => randomJson(random, depth - 1));
    default: {
      const out: JsonObject = {};
      for (let i = int(random, 4); i > 0; i--) setOwn(out, pick(random, ['Get', 'Std:Join', 'Name', 'Type', 'Values', 'On', 'a', '__proto__', 'Arguments']), randomJson(random, depth - 1));
      return out;
    }
  }
}

/** Sets an own property, "__proto__" included (plain assignment would set the prototype). */
function setOwn(target: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

interface Slot {
  readonly parent: JsonValue[] | JsonObject;
  readonly key: string | number;
}

function slots(root: JsonValue): Slot[] {
  const out: Slot[] = [];
  const stack: JsonValue[] = [root];
  while (stack.length > 0) {
    const value = stack.pop() as JsonValue;
    if (Array.isArray(value)) {
      value.forEach((child, i) => {
        out.push({ parent: value, key: i });
        stack.push(child);
      });
    } else if (isJsonObject(value)) {
      for (const [k, child] of Object.entries(value)) {
        out.push({ parent: value, key: k });
        stack.push(child);
      }
    }
  }
  return out;
}

const getAt = (slot: Slot): JsonValue => (slot.parent as Record<string | number, JsonValue>)[slot.key] as JsonValue;
function setAt(slot: Slot, value: JsonValue): void {
  if (Array.isArray(slot.parent)) slot.parent[slot.key as number] = value;
  else setOwn(slot.parent, slot.key as string, value);
}

/** Every step object, top-level and in condition branches, with the list holding it. */
function stepsOf(root: JsonObject): { step: JsonObject; list: JsonValue[] }[] {
  const out: { step: JsonObject; list: JsonValue[] }[] = [];
  const lists: JsonValue[][] = Array.isArray(root['Steps']) ? [root['Steps']] : [];
  while (lists.length > 0) {
    const list = lists.pop() as JsonValue[];
    for (const step of list) {
      if (!isJsonObject(step)) continue;
      out.push({ step, list });
      const args = step['Arguments'];
      if (isJsonObject(args)) for (const key of ['IfSteps', 'ElseSteps']) if (Array.isArray(args[key])) lists.push(args[key]);
    }
  }
  return out;
}

const nameOf = (step: JsonObject): string => (typeof step['Name'] === 'string' ? step['Name'] : 'X');

/** Text that replaces a placeholder string after serialization: values too deep to stringify. */
interface Deferred {
  readonly placeholder: string;
  readonly text: string;
}

function deepText(random: Random, depth: number): string {
  const shape = int(random, 3);
  if (shape === 0) return '['.repeat(depth) + '"leaf"' + ']'.repeat(depth);
  if (shape === 1) return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  return '{"Std:Join":{"On":",","Values":['.repeat(depth) + '{"Get":"Execution.PipelineExecutionId"}' + ']}}'.repeat(depth);
}

function nestedConditionsText(depth: number, inner: string): string {
  const open = (i: number): string =>
    `{"Name":"FuzzCond${i}","Type":"Condition","Arguments":{"Conditions":[{"Type":"Equals","LeftValue":1,"RightValue":${i % 2}}],"ElseSteps":[{"Name":"FuzzElse${i}","Type":"Fail","Arguments":{"ErrorMessage":"else ${i}"}}],"IfSteps":[`;
  let text = '';
  for (let i = 1; i <= depth; i++) text += open(i);
  return text + inner + ']}}'.repeat(depth);
}

type Mutator = (root: JsonObject, random: Random, deferred: Deferred[]) => string;

const MUTATORS: Readonly<Record<string, Mutator>> = {
  delete(root, random) {
    const all = slots(root);
    const slot = all.length ? pick(random, all) : undefined;
    if (!slot) return 'delete(nothing)';
    if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
    else delete slot.parent[slot.key as string];
    return `delete(${String(slot.key)})`;
  },
  'delete-member'(root, random) {
    // Members that matter: a step's Name, Type, Arguments, a branch list, Conditions, DependsOn.
    const steps = stepsOf(root);
    if (steps.length === 0) return 'delete-member(no steps)';
    const { step } = pick(random, steps);
    const args = step['Arguments'];
    const key = pick(random, ['Name', 'Type', 'Arguments', 'DependsOn', 'IfSteps', 'ElseSteps', 'Conditions', 'PropertyFiles', 'CacheConfig']);
    if (['IfSteps', 'ElseSteps', 'Conditions'].includes(key) && isJsonObject(args)) delete args[key];
    else delete step[key];
    return `delete-member(${key})`;
  },
  replace(root, random) {
    const all = slots(root);
    if (all.length === 0) return 'replace(nothing)';
    setAt(pick(random, all), randomJson(random));
    return 'replace';
  },
  retype(root, random) {
    const all = slots(root);
    if (all.length === 0) return 'retype(nothing)';
    const slot = pick(random, all);
    const current = getAt(slot);
    const next: JsonValue =
      typeof current === 'string' ? pick(random, [1, null, [current], { Get: current }]) : typeof current === 'number' ? String(current) : Array.isArray(current) ? { ...current } : isJsonObject(current) ? Object.values(current) : pick(random, ['x', 0, [], {}]);
    setAt(slot, next);
    return 'retype';
  },
  'copy-slot'(root, random) {
    const all = slots(root);
    if (all.length < 2) return 'copy-slot(nothing)';
    setAt(pick(random, all), structuredClone(getAt(pick(random, all))));
    return 'copy-slot';
  },
  'duplicate-step'(root, random) {
    const steps = stepsOf(root);
    if (steps.length === 0) return 'duplicate-step(no steps)';
    const { step, list } = pick(random, steps);
    const copy = structuredClone(step);
    const renamed = random() < 0.5;
    if (renamed) copy['Name'] = `${nameOf(step)}Copy${int(random, 100)}`;
    const target = random() < 0.7 ? list : pick(random, steps).list;
    target.splice(int(random, target.length + 1), 0, copy);
    return renamed ? 'duplicate-step(renamed)' : 'duplicate-step(same name)';
  },
  'deep-value'(root, random, deferred) {
    const all = slots(root);
    if (all.length === 0) return 'deep-value(nothing)';
    const depth = pick(random, DEPTHS);
    const placeholder = `@@fuzz-deep-${deferred.length}@@`;
    setAt(pick(random, all), placeholder);
    deferred.push({ placeholder, text: deepText(random, depth) });
    return `deep-value(${depth})`;
  },
  'deep-conditions'(root, random, deferred) {
    const depth = pick(random, CONDITION_DEPTHS);
    const steps = Array.isArray(root['Steps']) ? root['Steps'] : [];
    const placeholder = `@@fuzz-deep-${deferred.length}@@`;
    // The pipeline's own steps end up in the innermost IfSteps (their references still resolve).
    root['Steps'] = [placeholder];
    const inner = steps.map((s) => JSON.stringify(s)).join(',');
    deferred.push({ placeholder, text: nestedConditionsText(depth, inner || '{"Name":"FuzzLeaf","Type":"Fail","Arguments":{}}') });
    return `deep-conditions(${depth})`;
  },
  'huge-string'(root, random) {
    const all = slots(root).filter((s) => typeof getAt(s) === 'string');
    if (all.length === 0) return 'huge-string(nothing)';
    const length = pick(random, HUGE_LENGTHS);
    setAt(pick(random, all), pick(random, ['x', 'é', '😀', '\\']).repeat(length / 2));
    return `huge-string(${length / 2})`;
  },
  'odd-string'(root, random) {
    const all = slots(root).filter((s) => typeof getAt(s) === 'string');
    if (all.length === 0) return 'odd-string(nothing)';
    const slot = pick(random, all);
    setAt(slot, pick(random, ODD_STRINGS));
    return `odd-string(${String(slot.key)})`;
  },
  'odd-name'(root, random) {
    const steps = stepsOf(root);
    if (steps.length === 0) return 'odd-name(no steps)';
    pick(random, steps).step['Name'] = pick(random, ODD_STRINGS);
    return 'odd-name';
  },
  'odd-key'(root, random) {
    const objects = slots(root)
      .map(getAt)
      .filter(isJsonObject);
    if (objects.length === 0) return 'odd-key(nothing)';
    setOwn(pick(random, objects), pick(random, ODD_STRINGS), randomJson(random, 1));
    return 'odd-key';
  },
  cycle(root, random) {
    const steps = stepsOf(root);
    if (steps.length < 2) return 'cycle(too few steps)';
    const a = pick(random, steps).step;
    const b = pick(random, steps).step;
    const dependOn = (from: JsonObject, on: JsonObject): void => {
      from['DependsOn'] = [...(Array.isArray(from['DependsOn']) ? from['DependsOn'] : []), nameOf(on)];
    };
    dependOn(a, b);
    if (random() < 0.5) dependOn(b, a);
    else if (isJsonObject(b['Arguments'])) setOwn(b['Arguments'], 'FuzzRef', { Get: `Steps.${nameOf(a)}.ProcessingJobName` });
    return a === b ? 'cycle(self)' : 'cycle';
  },
  'unknown-type'(root, random) {
    const steps = stepsOf(root);
    if (steps.length === 0) return 'unknown-type(no steps)';
    pick(random, steps).step['Type'] = pick(random, ['Bogus', 'condition', 'Processing ', '', 'Fail\u0000', 'Condition\u200b', 'EMR', 'AutoML', 'QualityCheck', 'ClarifyCheck', 'Callback', 'Lambda', 'Tuning']);
    return 'unknown-type';
  },
  'bad-get'(root, random) {
    const all = slots(root);
    if (all.length === 0) return 'bad-get(nothing)';
    const steps = stepsOf(root);
    const text = random() < 0.5 || steps.length === 0 ? pick(random, WEIRD_GETS) : `Steps.${nameOf(pick(random, steps).step)}${pick(random, WEIRD_PROPERTY_PATHS)}`;
    setAt(pick(random, all), { Get: text });
    return 'bad-get';
  },
  'bad-expression'(root, random) {
    const all = slots(root);
    if (all.length === 0) return 'bad-expression(nothing)';
    const forms: JsonValue[] = [
      { 'Std:Join': randomJson(random) },
      { 'Std:Join': { On: randomJson(random, 1), Values: [randomJson(random, 1), { Get: pick(random, WEIRD_GETS) }] } },
      { 'Std:JsonGet': randomJson(random) },
      { 'Std:JsonGet': { PropertyFile: randomJson(random, 1), Path: pick(random, ['', 'a.b', '$..x', 'a[', "a['b", '[0]', 'a.b[-1]', '$']) } },
      { 'Std:JsonGet': { S3Uri: pick(random, ['s3://b/k.json', '', 'file:///etc/passwd', 's3://../x']), Path: 'a' } },
      { 'Std:Bogus': 1 },
      { Get: randomJson(random, 1) },
      { Type: pick(random, ['Equals', 'In', 'Not', 'Or', 'LessThan', 'Bogus']), LeftValue: randomJson(random, 1), Expression: randomJson(random, 2), Conditions: randomJson(random, 2), QueryValue: randomJson(random, 1), Values: randomJson(random, 1) },
    ];
    setAt(pick(random, all), pick(random, forms));
    return 'bad-expression';
  },
  branches(root, random) {
    const conditions = stepsOf(root).filter(({ step }) => step['Type'] === 'Condition' && isJsonObject(step['Arguments']));
    if (conditions.length === 0) return 'branches(no condition)';
    const args = pick(random, conditions).step['Arguments'] as JsonObject;
    const key = pick(random, ['IfSteps', 'ElseSteps']);
    const value = pick(random, [undefined, null, {}, [1], 'x', [], [{ Name: 'FuzzBranch', Type: 'Fail', Arguments: {} }]] as const);
    if (value === undefined) delete args[key];
    else args[key] = structuredClone(value) as JsonValue;
    return `branches(${key})`;
  },
  'move-step'(root, random) {
    // A top-level step moved into a condition branch: its references now cross branches.
    const conditions = stepsOf(root).filter(({ step }) => step['Type'] === 'Condition' && isJsonObject(step['Arguments']));
    const top = Array.isArray(root['Steps']) ? root['Steps'] : [];
    if (conditions.length === 0 || top.length === 0) return 'move-step(nothing)';
    const [moved] = top.splice(int(random, top.length), 1);
    const args = pick(random, conditions).step['Arguments'] as JsonObject;
    const key = pick(random, ['IfSteps', 'ElseSteps']);
    args[key] = [...(Array.isArray(args[key]) ? args[key] : []), moved as JsonValue];
    return 'move-step';
  },
  wide(root, random) {
    const count = pick(random, [50, 500, 3000]);
    const chain = random() < 0.5;
    const steps = Array.isArray(root['Steps']) ? root['Steps'] : (root['Steps'] = []);
    for (let i = 0; i < count; i++) {
      steps.push({ Name: `FuzzWide${i}`, Type: 'Fail', Arguments: { ErrorMessage: `wide ${i}` }, ...(chain && i > 0 ? { DependsOn: [`FuzzWide${i - 1}`] } : {}) });
    }
    return `wide(${count}${chain ? ', chain' : ''})`;
  },
  parameters(root, random) {
    const params = Array.isArray(root['Parameters']) ? root['Parameters'] : (root['Parameters'] = []);
    const forms: JsonValue[] = [
      { Name: 'FuzzP', Type: 'Integer' },
      { Name: 'FuzzP', Type: 'Float', DefaultValue: 'nope' },
      { Name: 'FuzzP', Type: 'Boolean', DefaultValue: true, EnumValues: [false] },
      { Name: pick(random, ODD_STRINGS), Type: 'String', DefaultValue: 'x' },
      { Name: 'FuzzP', Type: pick(random, ['string', 'Json', '']), DefaultValue: 1 },
      { Name: 'FuzzP', Type: 'Integer', DefaultValue: 1e308 },
      randomJson(random, 2),
    ];
    if (params.length > 0 && random() < 0.3) params.push(structuredClone(params[0] as JsonValue));
    else params.push(pick(random, forms));
    return 'parameters';
  },
  version(root, random) {
    root['Version'] = pick(random, ['2020-12-01', '2020-12-02', 2020, null, '']);
    return 'version';
  },
};

const TEXT_MUTATORS: Readonly<Record<string, (text: string, random: Random) => string>> = {
  truncate: (text, random) => text.slice(0, int(random, text.length)),
  'describe-pipeline': (text) => JSON.stringify({ PipelineArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/p', PipelineDefinition: text }),
  bom: (text) => `\ufeff${text}`,
  'trailing-garbage': (text, random) => text + pick(random, ['}', ']', ',', ' x', '\u0000']),
  'duplicate-key': (text) => text.replace('"Name":', '"Name":"FuzzShadowed","Name":'),
  'not-json': (_text, random) => pick(random, ['', 'null', '[]', '"x"', '{', 'NaN', '{"Version":"2020-12-01"}', '{"Version":"2020-12-01","Steps":{}}']),
};

/** One mutated definition: a fixture with 1 to 4 mutations, and sometimes a text-level one. */
export function mutatedDefinition(random: Random, bases: readonly BaseDefinition[]): MutatedDefinition {
  // Mostly valid fixtures and few mutations, so that a good share is accepted and runs.
  const valid = bases.filter((b) => !b.name.includes('invalid/'));
  const base = pick(random, random() < 0.85 && valid.length > 0 ? valid : bases);
  const root = structuredClone(base.value);
  const deferred: Deferred[] = [];
  const applied: string[] = [];
  const names = Object.keys(MUTATORS);
  const roll = random();
  const count = roll < 0.5 ? 1 : roll < 0.8 ? 2 : 3 + int(random, 2);
  for (let i = count; i > 0; i--) applied.push((MUTATORS[pick(random, names)] as Mutator)(root, random, deferred));
  let text = JSON.stringify(root);
  for (const { placeholder, text: replacement } of deferred) text = text.replace(JSON.stringify(placeholder), () => replacement);
  if (random() < 0.08) {
    const name = pick(random, Object.keys(TEXT_MUTATORS));
    text = (TEXT_MUTATORS[name] as (t: string, r: Random) => string)(text, random);
    applied.push(name);
  }
  return { label: `${base.name}: ${applied.join(', ')}`, text };
}

/** The hostile shapes issue 10 names, built directly: each must be rejected or run, never crash. */
export function knownHostileDefinitions(): MutatedDefinition[] {
  const wrap = (steps: string): string => `{"Version":"2020-12-01","Metadata":{},"Parameters":[],"PipelineExperimentConfig":null,"Steps":[${steps}]}`;
  const chain = Array.from({ length: 3000 }, (_, i) => `{"Name":"S${i}","Type":"Fail","Arguments":{"ErrorMessage":"s${i}"}${i ? `,"DependsOn":["S${i - 1}"]` : ''}}`).join(',');
  return [
    { label: 'condition without ElseSteps', text: wrap('{"Name":"C","Type":"Condition","Arguments":{"Conditions":[{"Type":"Equals","LeftValue":1,"RightValue":1}],"IfSteps":[]}}') },
    { label: 'arguments nested 2,000 deep', text: wrap(`{"Name":"F","Type":"Fail","Arguments":{"ErrorMessage":${'['.repeat(2000)}1${']'.repeat(2000)}}}`) },
    { label: 'document nested 100,000 deep', text: wrap(`{"Name":"F","Type":"Fail","Arguments":{"ErrorMessage":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}}`) },
    { label: '3,000-step DependsOn chain whose first step fails', text: wrap(chain) },
    { label: 'conditions nested 5,000 deep', text: wrap(nestedConditionsText(5000, '{"Name":"Leaf","Type":"Fail","Arguments":{}}')) },
    { label: 'conditions nested 100 deep', text: wrap(nestedConditionsText(100, '{"Name":"Leaf","Type":"Fail","Arguments":{}}')) },
  ];
}
