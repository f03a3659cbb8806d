// `npm run bench:unit`: runs the unit projects (unit, unit-isolated) and prints wall time and CPU
// time (user + system of vitest and its workers), with the load average and core count, so two
// checkouts can be compared on the same machine in one sitting. Wall time on a busy machine says
// little; CPU time is what the suite costs.
//   node bench/unit-suite.mjs [--runs N] [--hog N] [-- extra vitest arguments]
//   --runs N   run the suite N times (default 1); every run is printed, then the median
//   --hog N    keep N busy-looping processes running beside the suite (the issue's loaded-machine
//              check: the suite must pass with another CPU-heavy process beside it)
// CPU time is read from /proc (the children's user + system ticks), so Linux only; elsewhere only
// wall time is printed. Exits non-zero when a run fails.
/* global process, console, performance */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const VITEST = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');

function parseArgs(argv) {
  const options = { runs: 1, hog: 0, extra: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      options.extra = argv.slice(i + 1);
      break;
    }
    if (arg === '--runs' || arg === '--hog') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < (arg === '--runs' ? 1 : 0)) throw new Error(`${arg} needs a whole number, got ${argv[i]}`);
      options[arg.slice(2)] = value;
    } else {
      throw new Error(`unknown option ${arg} (use --runs N, --hog N, -- vitest arguments)`);
    }
  }
  return options;
}

/** Seconds of CPU used by this process's waited-for children (vitest and, through it, its workers). */
function childrenCpuSeconds() {
  try {
    // Fields after the command name (which may hold spaces): cutime and cstime are the 14th and 15th.
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    return (Number(fields[13]) + Number(fields[14])) / ticks;
  } catch {
    return undefined;
  }
}

function startHogs(count) {
  return Array.from({ length: count }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

function runSuite(extra) {
  const args = [VITEST, 'run', '--project', 'unit', '--project', 'unit-isolated', ...extra];
  const cpuBefore = childrenCpuSeconds();
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code, signal) => {
      const wall = (performance.now() - started) / 1000;
      const cpuAfter = childrenCpuSeconds();
      const cpu = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
      resolve({ ok: code === 0, code: code ?? signal, wall, cpu });
    });
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];
const seconds = (value) => (value === undefined ? 'n/a' : `${value.toFixed(1)} s`);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

const options = parseArgs(process.argv.slice(2));
const hogs = startHogs(options.hog);
const results = [];
try {
  for (let run = 1; run <= options.runs; run++) {
    const loadBefore = load();
    const result = await runSuite(options.extra);
    results.push(result);
    console.log(`\nunit suite run ${run}/${options.runs}: ${result.ok ? 'passed' : `FAILED (${result.code})`}, wall ${seconds(result.wall)}, CPU ${seconds(result.cpu)} (load before ${loadBefore}, after ${load()})`);
  }
} finally {
  for (const hog of hogs) hog.kill();
}

const cpus = results.map((r) => r.cpu).filter((c) => c !== undefined);
console.log(`\nunit suite on ${availableParallelism()} cores, ${options.hog} busy process(es) beside it, ${results.length} run(s):`);
console.log(`  wall time: median ${seconds(median(results.map((r) => r.wall)))} (${results.map((r) => seconds(r.wall)).join(', ')})`);
console.log(`  CPU time:  median ${seconds(cpus.length ? median(cpus) : undefined)} (${results.map((r) => seconds(r.cpu)).join(', ')})`);
console.log(`  passed: ${results.filter((r) => r.ok).length}/${results.length}`);
if (results.some((r) => !r.ok)) process.exitCode = 1;
