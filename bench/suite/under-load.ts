// `npm run bench:suite-under-load`: the whole test suite, several times in a row, while CPU-bound
// processes run beside it (issue 13: "passes three times in a row while another CPU-heavy process
// runs beside it"). The hogs are plain busy loops, one per `--hogs` (default 1), started before the
// first run and killed after the last. Prints each run's result and wall time, and exits 1 when any
// run failed. Options: `--runs N` (default 3), `--hogs N`, and anything after `--` goes to vitest.
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

interface Options {
  readonly runs: number;
  readonly hogs: number;
  readonly vitestArgs: readonly string[];
}

function parseOptions(argv: readonly string[]): Options {
  const split = argv.indexOf('--');
  const own = split === -1 ? argv : argv.slice(0, split);
  const count = (flag: string, fallback: number): number => {
    const index = own.indexOf(flag);
    if (index === -1) return fallback;
    const value = Number(own[index + 1]);
    if (!Number.isInteger(value) || value < 0) {
      console.error(`${flag} takes a whole number, got ${String(own[index + 1])}`);
      process.exit(2);
    }
    return value;
  };
  return { runs: count('--runs', 3), hogs: count('--hogs', 1), vitestArgs: split === -1 ? [] : argv.slice(split + 1) };
}

function startHog(): ChildProcess {
  // A busy loop: one full core for as long as it lives.
  const hog = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  hog.unref();
  return hog;
}

function runSuite(root: string, vitestArgs: readonly string[]): Promise<number> {
  const vitest = path.join(root, 'node_modules/vitest/vitest.mjs');
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [vitest, 'run', ...vitestArgs], { cwd: root, stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const root = path.resolve(import.meta.dirname, '../..');
  const hogs = Array.from({ length: options.hogs }, startHog);
  const stopHogs = (): void => {
    for (const hog of hogs) hog.kill('SIGKILL');
  };
  process.on('exit', stopHogs);
  const results: { run: number; code: number; seconds: number; load: number }[] = [];
  for (let run = 1; run <= options.runs; run++) {
    const start = performance.now();
    const code = await runSuite(root, options.vitestArgs);
    results.push({ run, code, seconds: (performance.now() - start) / 1000, load: loadavg()[0] ?? 0 });
  }
  stopHogs();
  console.log(`\nWhole suite ${options.runs} times with ${options.hogs} CPU hog(s) beside it:`);
  for (const r of results) {
    console.log(`  run ${r.run}: ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`}  ${r.seconds.toFixed(0)} s  load ${r.load.toFixed(1)}`);
  }
  process.exitCode = results.every((r) => r.code === 0) ? 0 : 1;
}

await main();
