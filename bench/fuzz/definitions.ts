// `npm run bench:fuzz-definitions`: the definition fuzz suite at full count. Mutated definitions (seeded) go
// through the library (validate, graph, a stubbed run) and a sample through the real CLI
// (`validate`, `graph`, `run --stub-all` as child processes); prints outcome and exit-code
// histograms, the slowest cases and every broken invariant, and saves the failing definitions.
//   FUZZ_SEED (1), FUZZ_DEFINITIONS (10000), FUZZ_CLI_DEFINITIONS (100, x3 commands), FUZZ_PARALLEL (3)
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildGraph } from '../../src/engine/graph.js';
import { validateDefinitionText } from '../../src/engine/load-definition.js';
import { createTestEnvironment, type TestEnvironment } from '../../src/testing/test-environment.js';
import { CLI_COMMANDS, type FuzzResult, checkCliOutput, checkInLibrary } from '../../test/unit/support/definition-fuzz-check.js';
import { type MutatedDefinition, knownHostileDefinitions, loadBases, mutatedDefinition, seededRandom } from '../../test/unit/support/definition-mutations.js';
import { inParallel, runMeasuredCli } from '../../test/integration/support/measured-cli.js';
import { ensureBuilt } from '../../test/integration/support/real-cli.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 1);
const LIBRARY_COUNT = Number(process.env['FUZZ_DEFINITIONS'] ?? 10_000);
const CLI_COUNT = Number(process.env['FUZZ_CLI_DEFINITIONS'] ?? 100);
const PARALLEL = Number(process.env['FUZZ_PARALLEL'] ?? 3);
/** The issue's bound on one CLI command, held on the child's CPU time. */
const CLI_BOUND_MS = 10_000;
/** Wall time after which a command counts as hung and is killed. */
const HANG_MS = 60_000;
/** A fresh harness every so many runs, so the in-memory history does not grow without end. */
const ENV_RUNS = 500;

const out = path.join(tmpdir(), `sagesim-fuzz-${SEED}`);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

interface Failure {
  readonly where: string;
  readonly label: string;
  readonly reason: string;
  readonly file: string;
}
const failures: Failure[] = [];
const fail = (where: string, definition: MutatedDefinition, reason: string): void => {
  const file = path.join(out, `failure-${failures.length}.json`);
  writeFileSync(file, definition.text);
  failures.push({ where, label: definition.label, reason, file });
};

const histogram = (map: Map<string, number>, key: string): void => {
  map.set(key, (map.get(key) ?? 0) + 1);
};
const printHistogram = (title: string, map: Map<string, number>): void => {
  console.log(`  ${title}`);
  for (const [key, count] of [...map].sort((a, b) => b[1] - a[1])) console.log(`    ${key.padEnd(40)} ${count}`);
};

const bases = loadBases();
const random = seededRandom(SEED);
const known = knownHostileDefinitions();
const library = [...known, ...Array.from({ length: LIBRARY_COUNT }, () => mutatedDefinition(random, bases))];

// Scaling: validate + graph time per step for growing pipelines, which must stay flat (linear
// work), and the 5,000-deep nested conditions of issue 10 (32 s before the depth limit).
{
  console.log('scaling (validate + graph, best of 3):');
  const wrap = (steps: string): string => `{"Version":"2020-12-01","Metadata":{},"Parameters":[],"PipelineExperimentConfig":null,"Steps":[${steps}]}`;
  const step = (i: number, dependsOn?: string): string => `{"Name":"S${i}","Type":"Fail","Arguments":{}${dependsOn ? `,"DependsOn":["${dependsOn}"]` : ''}}`;
  const shapes: Record<string, (n: number) => string> = {
    chain: (n) => wrap(Array.from({ length: n }, (_, i) => step(i, i ? `S${i - 1}` : undefined)).join(',')),
    'fan-out': (n) => wrap(Array.from({ length: n }, (_, i) => step(i, i ? 'S0' : undefined)).join(',')),
    'nested conditions': (n) => {
      let text = '';
      for (let i = 1; i <= n; i++) text += `{"Name":"C${i}","Type":"Condition","Arguments":{"Conditions":[],"ElseSteps":[],"IfSteps":[`;
      return wrap(`${text}${step(0)}${']}}'.repeat(n)}`);
    },
  };
  const sizes: Record<string, number[]> = { chain: [1000, 4000, 12000], 'fan-out': [1000, 4000, 16000], 'nested conditions': [100, 5000, 50000] };
  for (const [shape, make] of Object.entries(shapes)) {
    const cells: string[] = [];
    for (const n of sizes[shape] ?? []) {
      const text = make(n);
      let best = Infinity;
      let outcome = '';
      for (let k = 0; k < 3; k++) {
        const started = performance.now();
        const result = validateDefinitionText(text, 'scaling.json');
        if (result.definition) buildGraph(result.definition);
        best = Math.min(best, performance.now() - started);
        outcome = result.definition ? 'valid' : (result.problems[0]?.code ?? '?');
      }
      cells.push(`${n}: ${best.toFixed(0)} ms (${((best * 1000) / n).toFixed(1)} µs/step, ${outcome})`);
    }
    console.log(`  ${shape.padEnd(18)} ${cells.join('   ')}`);
  }
}

// Library.
console.log(`definition fuzz, seed ${SEED}: ${library.length} definitions through the library (${known.length} known hostile ones first)`);
const outcomes = new Map<string, number>();
const slowest: { label: string; ms: number }[] = [];
let env: TestEnvironment | undefined;
const libraryStart = performance.now();
for (const [i, definition] of library.entries()) {
  if (i % ENV_RUNS === 0) {
    await env?.dispose();
    env = await createTestEnvironment();
  }
  const result: FuzzResult = await checkInLibrary(definition, env as TestEnvironment);
  histogram(outcomes, result.outcome.startsWith('refused:') ? result.outcome : result.outcome);
  if (result.failure) fail('library', definition, result.failure);
  slowest.push({ label: definition.label, ms: result.ms });
  slowest.sort((a, b) => b.ms - a.ms).splice(5);
}
await env?.dispose();
const libraryMs = performance.now() - libraryStart;
printHistogram('outcomes', outcomes);
console.log(`  ${library.length} definitions in ${(libraryMs / 1000).toFixed(1)} s (${(libraryMs / library.length).toFixed(1)} ms each on average); slowest:`);
for (const s of slowest) console.log(`    ${s.ms.toFixed(0).padStart(7)} ms  ${s.label.slice(0, 100)}`);

// CLI.
ensureBuilt();
const cliDefinitions = [...known, ...Array.from({ length: CLI_COUNT }, () => mutatedDefinition(random, bases))];
console.log(`\n${cliDefinitions.length} definitions x ${CLI_COMMANDS.length} commands through the real CLI, ${PARALLEL} at once`);
const work = mkdtempSync(path.join(tmpdir(), 'sagesim-fuzz-cli-'));
const exits = new Map<string, number>();
let maxWall = { ms: 0, what: '' };
let maxCpu = { ms: 0, what: '' };
const cliStart = performance.now();
let finished = 0;
const tasks = cliDefinitions.flatMap((definition, i) => {
  const file = path.join(work, `d${i}.json`);
  writeFileSync(file, definition.text);
  return CLI_COMMANDS.map((command) => async () => {
    const args = [...command, file, ...(command[0] === 'run' ? ['--home', path.join(work, `home${i}`)] : [])];
    const result = await runMeasuredCli(args, work, HANG_MS);
    const what = `${command.join(' ')}: ${definition.label.slice(0, 80)}`;
    histogram(exits, `${command[0] ?? ''} exit ${String(result.code)}`);
    if (result.wallMs > maxWall.ms) maxWall = { ms: result.wallMs, what };
    if ((result.cpuMs ?? 0) > maxCpu.ms) maxCpu = { ms: result.cpuMs ?? 0, what };
    const broken = result.killed ? `still running after ${HANG_MS / 1000} s` : (checkCliOutput(result.code, result.stdout, result.stderr) ?? ((result.cpuMs ?? 0) > CLI_BOUND_MS ? `took ${result.cpuMs} ms of CPU` : undefined));
    if (broken) fail(`cli ${command.join(' ')}`, definition, broken);
    if (++finished % 30 === 0) console.log(`  ... ${finished} commands, ${failures.length} broken invariants so far`);
  });
});
await inParallel(tasks, PARALLEL);
rmSync(work, { recursive: true, force: true });
const cliMs = performance.now() - cliStart;
printHistogram('exit codes', exits);
console.log(`  ${tasks.length} commands in ${(cliMs / 1000).toFixed(1)} s; slowest wall ${(maxWall.ms / 1000).toFixed(1)} s (${maxWall.what}); most CPU ${(maxCpu.ms / 1000).toFixed(1)} s (${maxCpu.what}); bound ${CLI_BOUND_MS / 1000} s of CPU`);

console.log(`\n${failures.length} broken invariants`);
for (const f of failures.slice(0, 30)) console.log(`  [${f.where}] ${f.label.slice(0, 120)}\n    ${f.reason.split('\n').join('\n    ')}\n    saved: ${f.file}`);
if (failures.length === 0) rmSync(out, { recursive: true, force: true });
process.exitCode = failures.length === 0 ? 0 : 1;
