// `npm run bench:engine`: engine overhead on generated 1,000-step pipelines with stub steps.
// A wide DAG (one root, 998 parallel steps, one join) and a deep chain (each step reads the
// previous one's output), run in memory and once with the on-disk store; prints time per step
// and peak memory against the targets (1,000 steps under 1 s of overhead, under 200 MB).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resourceUsage } from 'node:process';
import { resolveConfig } from '../../src/config.js';
import type { PipelineDefinition } from '../../src/engine/definition-types.js';
import type { Reporter } from '../../src/engine/events.js';
import type { ExecutionStore } from '../../src/engine/execution-store.js';
import { FileExecutionStore } from '../../src/store/file-execution-store.js';
import { MemoryExecutionStore } from '../../src/store/memory-execution-store.js';
import { runPipeline } from '../../src/app/run-pipeline.js';
import { MemoryObjectStore } from '../../src/mock-aws/memory-object-store.js';
import { deep, wide } from './generated-pipelines.js';

const STEPS = Number(process.env['BENCH_STEPS'] ?? 1000);
const TARGET_MS_PER_1000 = 1000;
const TARGET_MB = 200;

/** Every hook present, as a console reporter would be: event dispatch is part of the overhead. */
const countingReporter = (): Reporter & { events: number } => {
  const reporter = { events: 0 } as Reporter & { events: number };
  for (const hook of ['executionStarted', 'stepStarted', 'stepSucceeded', 'stepCached', 'stepFailed', 'stepSkipped', 'stepStopped', 'stepLog', 'warning', 'executionFinished'] as const) {
    (reporter as unknown as Record<string, () => void>)[hook] = () => void reporter.events++;
  }
  return reporter;
};

interface Result {
  readonly scenario: string;
  readonly steps: number;
  readonly ms: number;
  readonly peakMb: number;
  readonly status: string;
}

async function measure(scenario: string, definition: PipelineDefinition, store: ExecutionStore): Promise<Result> {
  const config = resolveConfig({ cwd: tmpdir(), maxParallel: 64, cache: false }, {});
  global.gc?.();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const started = performance.now();
  const record = await runPipeline({
    definition,
    pipelineName: 'bench',
    config,
    stubs: { all: true },
    store,
    objectStore: new MemoryObjectStore(),
    reporter: countingReporter(),
  });
  const ms = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  return { scenario, steps: record.steps.length, ms, peakMb: peak / 2 ** 20, status: record.status };
}

async function main(): Promise<void> {
  const home = await mkdtemp(path.join(tmpdir(), 'sagesim-bench-'));
  const baselineMb = process.memoryUsage().rss / 2 ** 20;
  const results: Result[] = [];
  try {
    // A warm-up run so JIT compilation is not billed to the first scenario.
    await measure('warm-up', deep(50), new MemoryExecutionStore());
    results.push(await measure(`wide DAG (${STEPS}), memory store`, wide(STEPS), new MemoryExecutionStore()));
    results.push(await measure(`deep chain (${STEPS}), memory store`, deep(STEPS), new MemoryExecutionStore()));
    results.push(await measure(`wide DAG (${STEPS}), on-disk store`, wide(STEPS), new FileExecutionStore({ home: path.join(home, 'wide') })));
    results.push(await measure(`deep chain (${STEPS}), on-disk store`, deep(STEPS), new FileExecutionStore({ home: path.join(home, 'deep') })));
  } finally {
    await rm(home, { recursive: true, force: true });
  }

  const maxRssMb = resourceUsage().maxRSS / 1024;
  const rows = results.map((r) => {
    const perStep = r.ms / r.steps;
    const timeRatio = r.ms / ((TARGET_MS_PER_1000 * r.steps) / 1000);
    return [r.scenario, String(r.steps), r.status, `${r.ms.toFixed(0)} ms`, `${perStep.toFixed(3)} ms`, `${(timeRatio * 100).toFixed(0)}%`, `${r.peakMb.toFixed(0)} MB`, `${((r.peakMb / TARGET_MB) * 100).toFixed(0)}%`];
  });
  const header = ['scenario', 'steps', 'status', 'total', 'per step', 'of 1 s/1000 target', 'peak RSS', `of ${TARGET_MB} MB target`];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  const worstTime = Math.max(...results.map((r) => r.ms / ((TARGET_MS_PER_1000 * r.steps) / 1000)));
  const worstMemory = Math.max(...results.map((r) => r.peakMb / TARGET_MB), maxRssMb / TARGET_MB);
  console.log(`\nprocess max RSS ${maxRssMb.toFixed(0)} MB (resourceUsage); RSS before the first run ${baselineMb.toFixed(0)} MB (Node, tsx and the loaded code)`);
  console.log(`worst time ratio ${(worstTime * 100).toFixed(0)}% of target, worst memory ratio ${(worstMemory * 100).toFixed(0)}% of target: ${worstTime <= 1 && worstMemory <= 1 ? 'targets met' : 'TARGETS MISSED'}`);
  if (process.argv.includes('--strict') && (worstTime > 1 || worstMemory > 1)) process.exitCode = 1;
}

await main();
