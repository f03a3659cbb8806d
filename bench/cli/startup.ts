// `npm run bench:startup`: how long everyday commands take to start and answer, against a bare
// `node -e 0`, measured in one run. Commands run from the built CLI (dist/, `npm run build`),
// interleaved round by round so a busy machine slows every command alike; the median of the rounds
// is compared. Target: `validate`, `ls` and `--help` at most 6x `node -e 0`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 15);
const TARGET_RATIO = 6;
const root = path.resolve(import.meta.dirname, '../..');
const cli = path.join(root, 'bin/sagesim.js');
if (!existsSync(path.join(root, 'dist/cli/main.js'))) {
  console.error('bench:startup measures the built CLI: run `npm run build` first');
  process.exit(2);
}
const home = mkdtempSync(path.join(tmpdir(), 'sagesim-bench-startup-'));

const commands: Readonly<Record<string, readonly string[]>> = {
  'node -e 0': ['-e', '0'],
  'sagesim --help': [cli, '--help'],
  'sagesim validate housing': [cli, 'validate', path.join(root, 'fixtures/housing/pipeline.json')],
  'sagesim ls': [cli, 'ls', '--home', home],
};

function timeOnce(args: readonly string[]): number {
  const start = performance.now();
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'ignore', env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
  const elapsed = performance.now() - start;
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${String(result.status)}`);
  return elapsed;
}

const samples = new Map<string, number[]>(Object.keys(commands).map((name) => [name, []]));
for (const args of Object.values(commands)) timeOnce(args); // warm the file cache
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, args] of Object.entries(commands)) samples.get(name)?.push(timeOnce(args));
}
rmSync(home, { recursive: true, force: true });

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const baseline = median(samples.get('node -e 0') ?? []);
console.log(`CLI start-up, median of ${ROUNDS} rounds (target: at most ${TARGET_RATIO}x node -e 0)`);
let failed = false;
for (const [name, values] of samples) {
  const ms = median(values);
  const ratio = ms / baseline;
  const verdict = name === 'node -e 0' ? 'baseline' : ratio <= TARGET_RATIO ? 'met' : 'NOT met';
  if (verdict === 'NOT met') failed = true;
  console.log(`  ${name.padEnd(26)} ${ms.toFixed(0).padStart(5)} ms  ${ratio.toFixed(2).padStart(5)}x  ${verdict}`);
}
process.exitCode = failed ? 1 : 0;
