// `npm run bench:console-watch`: what one look of the console at the store costs (taken every 2 s
// while a page is open) with hundreds of finished executions and one running, measured in one
// run: reading every record (what each look did before store-watch.ts) against the incremental
// look (the records' versions, then only what can have changed).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StoreWatch } from '../../src/console/store-watch.js';
import type { ExecutionRecord, StepRecord } from '../../src/engine/execution-record.js';
import { FileExecutionStore } from '../../src/store/file-execution-store.js';
import { executionRecord } from '../../test/unit/support/execution-records.js';

const FINISHED = Number(process.env['BENCH_EXECUTIONS'] ?? 500);
const STEPS = 20;
const LOOKS = 15;

function record(executionId: string, minute: number, status: ExecutionRecord['status']): ExecutionRecord {
  const time = new Date(Date.UTC(2024, 0, 1, 0, minute)).toISOString();
  const steps: StepRecord[] = Array.from({ length: STEPS }, (_, i) => ({
    stepName: `Step${i}`,
    stepType: 'Processing',
    status: 'Succeeded',
    attemptCount: 1,
    startTime: time,
    endTime: time,
    metadata: { ProcessingJob: { Arn: `arn:aws:sagemaker:us-east-1:111122223333:processing-job/${executionId}-${i}` } },
  }));
  return executionRecord(executionId, { pipelineName: 'bench', status, startTime: time, steps });
}

async function medianMs(look: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < LOOKS; i++) {
    const start = process.hrtime.bigint();
    await look();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

async function main(): Promise<void> {
  const home = await mkdtemp(path.join(tmpdir(), 'sagesim-bench-watch-'));
  try {
    const store = new FileExecutionStore({ home });
    for (let i = 0; i < FINISHED; i++) store.save(record(`done${i}`, i, 'Succeeded'));
    store.save(record('running1', FINISHED, 'Executing'));
    await store.flush();
    const watch = new StoreWatch(store);
    await watch.look();
    const everything = await medianMs(() => store.list());
    const incremental = await medianMs(() => watch.look());
    console.log(`one look at ${FINISHED} finished executions + 1 running (${STEPS} steps each), median of ${LOOKS}:`);
    console.log(`  reading every record:     ${everything.toFixed(2)} ms`);
    console.log(`  incremental (versions):   ${incremental.toFixed(2)} ms`);
    console.log(`  ratio: ${(everything / incremental).toFixed(1)}x less time per look`);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

await main();
