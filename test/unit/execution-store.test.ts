import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { executionRecord } from './support/execution-records.js';
import type { CacheEntry } from '../../src/engine/cache.js';
import type { ExecutionRecord } from '../../src/engine/execution-record.js';
import type { ProcessProbe } from '../../src/ports/process-probe.js';
import type { ExecutionStore } from '../../src/engine/execution-store.js';
import { FileExecutionStore } from '../../src/store/file-execution-store.js';
import { MemoryExecutionStore } from '../../src/store/memory-execution-store.js';
import { isSagesimError } from '../../src/errors.js';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'sagesim-store-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

function record(executionId: string, startTime: string, status: ExecutionRecord['status'] = 'Executing'): ExecutionRecord {
  return executionRecord(executionId, { startTime, status });
}

function cacheEntry(executionId: string, finishedAt = '2024-01-01T00:00:00.000Z'): CacheEntry {
  return {
    pipelineName: 'p',
    key: 'k1',
    stepName: 'Train',
    stepType: 'Training',
    executionId,
    executionArn: `arn:${executionId}`,
    finishedAt,
    properties: {},
    propertyFiles: {},
    outputParameters: {},
    metadata: {},
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isSagesimError(error)) return error.code;
    throw error;
  }
  return 'no error';
}

describe.each([
  // Both of sagesim's stores have versions (optional in the interface for stores of one's own).
  ['file store', (): ExecutionStore & Required<Pick<ExecutionStore, 'versions'>> => new FileExecutionStore({ home })],
  ['memory store', (): ExecutionStore & Required<Pick<ExecutionStore, 'versions'>> => new MemoryExecutionStore()],
])('%s', (_name, makeStore) => {
  it('saves and reads back an execution with its latest state', async () => {
    const store = makeStore();
    const rec = record('abc123def456', '2024-01-01T00:00:00.000Z');
    store.save(rec);
    rec.status = 'Succeeded';
    rec.steps.push({ stepName: 'Train', stepType: 'Training', status: 'Succeeded', attemptCount: 1, metadata: {} });
    store.save(rec);
    await store.flush();
    const read = await store.get('abc123def456');
    expect(read?.status).toBe('Succeeded');
    expect(read?.steps.map((s) => s.stepName)).toEqual(['Train']);
  });

  it('lists executions newest first', async () => {
    const store = makeStore();
    store.save(record('aaaaaaaaaaaa', '2024-01-02T00:00:00.000Z'));
    store.save(record('bbbbbbbbbbbb', '2024-01-03T00:00:00.000Z'));
    store.save(record('cccccccccccc', '2024-01-01T00:00:00.000Z'));
    await store.flush();
    expect((await store.list()).map((r) => r.executionId)).toEqual(['bbbbbbbbbbbb', 'aaaaaaaaaaaa', 'cccccccccccc']);
  });

  it('finds an execution by id, by ARN and by a unique prefix; says so when ambiguous or unknown', async () => {
    const store = makeStore();
    store.save(record('x1abcdefghij', '2024-01-01T00:00:00.000Z'));
    store.save(record('x2abcdefghij', '2024-01-02T00:00:00.000Z'));
    store.save(record('y1abcdefghij', '2024-01-03T00:00:00.000Z'));
    await store.flush();
    expect((await store.find('x1abcdefghij')).executionId).toBe('x1abcdefghij');
    expect((await store.find('arn:aws:sagemaker:us-east-1:111122223333:pipeline/p/execution/x2abcdefghij')).executionId).toBe('x2abcdefghij');
    expect((await store.find('y1')).executionId).toBe('y1abcdefghij');
    expect(await codeOf(store.find('x'))).toBe('EXECUTION_AMBIGUOUS');
    expect(await codeOf(store.find('zzz'))).toBe('EXECUTION_NOT_FOUND');
  });

  it('keeps one cache entry per execution and step: recording it again replaces it', async () => {
    const store = makeStore();
    await store.recordCacheEntry(cacheEntry('e1', '2024-01-01T00:00:00.000Z'));
    await store.recordCacheEntry(cacheEntry('e2', '2024-01-02T00:00:00.000Z'));
    await store.recordCacheEntry(cacheEntry('e1', '2024-01-03T00:00:00.000Z'));
    const entries = await store.cacheEntries('p', 'k1');
    expect(entries.map((e) => [e.executionId, e.finishedAt])).toEqual([
      ['e1', '2024-01-03T00:00:00.000Z'],
      ['e2', '2024-01-02T00:00:00.000Z'],
    ]);
  });

  it('gives every execution a version that moves when it is saved again, and only then', async () => {
    const store = makeStore();
    const a = record('aaa111', '2024-01-01T00:00:00.000Z');
    store.save(a);
    store.save(record('bbb222', '2024-01-02T00:00:00.000Z'));
    await store.flush();
    const first = await store.versions();
    expect([...first.keys()].sort()).toEqual(['aaa111', 'bbb222']);
    expect(await store.versions()).toEqual(first);
    store.save({ ...a, status: 'Succeeded' });
    await store.flush();
    const second = await store.versions();
    expect(second.get('aaa111')).not.toBe(first.get('aaa111'));
    expect(second.get('bbb222')).toBe(first.get('bbb222'));
  });
});

describe('file store versions', () => {
  it('sees what another process wrote and what `sagesim rm` removed, without reading a record', async () => {
    const store = new FileExecutionStore({ home });
    const other = new FileExecutionStore({ home });
    store.save(record('abc123def456', '2024-01-01T00:00:00.000Z'));
    await store.flush();
    const before = await store.versions();
    other.save(record('fff000fff000', '2024-01-02T00:00:00.000Z'));
    other.save({ ...record('abc123def456', '2024-01-01T00:00:00.000Z'), status: 'Failed' });
    await other.flush();
    // A record no JSON parser would take still has a version: versions() never parses one.
    await mkdir(path.join(home, 'executions', 'broken000000'), { recursive: true });
    await writeFile(path.join(home, 'executions', 'broken000000', 'execution.json'), '{not json');
    // A folder whose record is not written yet has none.
    await mkdir(path.join(home, 'executions', 'empty0000000'), { recursive: true });
    const after = await store.versions();
    expect([...after.keys()].sort()).toEqual(['abc123def456', 'broken000000', 'fff000fff000']);
    expect(after.get('abc123def456')).not.toBe(before.get('abc123def456'));
    await rm(path.join(home, 'executions', 'fff000fff000'), { recursive: true });
    expect([...(await store.versions()).keys()].sort()).toEqual(['abc123def456', 'broken000000']);
  });

  it('is empty for a home without executions', async () => {
    expect((await new FileExecutionStore({ home: path.join(home, 'nothing-here') }).versions()).size).toBe(0);
  });
});

describe('file store: executions whose sagesim process was killed', () => {
  const owner = { pid: 4242, hostname: 'laptop' };
  /** A host named `laptop` where only the pids in `alive` run. */
  const probe = (...alive: number[]): ProcessProbe => ({ hostname: 'laptop', pid: 1, alive: (pid) => alive.includes(pid), startOf: () => undefined });
  const REASON = 'sagesim process 4242 ended before the execution finished (killed?)';

  async function killedMidRun(): Promise<void> {
    const writer = new FileExecutionStore({ home, processProbe: probe(4242) });
    const rec = { ...record('abc123def456', '2024-01-01T00:00:00.000Z'), owner };
    rec.steps.push({ stepName: 'Train', stepType: 'Training', status: 'Executing', attemptCount: 1, metadata: {}, startTime: '2024-01-01T00:00:01.000Z' });
    writer.save(rec);
    await writer.flush();
  }

  it('lists, shows and persists an Executing execution whose owner is gone as Failed, with its running steps', async () => {
    await killedMidRun();
    const store = new FileExecutionStore({ home, processProbe: probe(), now: () => new Date('2024-01-02T00:00:00.000Z') });

    const [listed] = await store.list();
    expect(listed).toMatchObject({ executionId: 'abc123def456', status: 'Failed', failureReason: REASON });
    expect(listed?.steps.map((s) => [s.stepName, s.status, s.failureReason])).toEqual([['Train', 'Failed', 'sagesim process 4242 ended before the step finished (killed?)']]);
    expect((await store.find('abc1')).status).toBe('Failed');
    const onDisk = JSON.parse(await readFile(path.join(home, 'executions', 'abc123def456', 'execution.json'), 'utf8')) as ExecutionRecord;
    expect(onDisk).toMatchObject({ status: 'Failed', failureReason: REASON, lastModifiedTime: '2024-01-02T00:00:00.000Z' });
  });

  it('records it once when it is read by many at the same time', async () => {
    await killedMidRun();
    let writes = 0;
    const store = new FileExecutionStore({ home, processProbe: probe(), writeHooks: { beforeRename: async () => void writes++ } });
    const reads = await Promise.all([store.get('abc123def456'), store.list(), store.find('abc123def456')]);
    expect(reads.flat().map((r) => r?.status)).toEqual(['Failed', 'Failed', 'Failed']);
    expect(writes).toBe(1);
  });

  it('gives it a new version once its owner is gone, when this store read it unfinished', async () => {
    await killedMidRun();
    const alive = [4242];
    const store = new FileExecutionStore({ home, processProbe: { ...probe(), alive: (pid) => alive.includes(pid) } });
    expect((await store.get('abc123def456'))?.status).toBe('Executing');
    const running = await store.versions();
    expect(await store.versions()).toEqual(running);
    alive.pop();
    const gone = await store.versions();
    expect(gone.get('abc123def456')).not.toBe(running.get('abc123def456'));
    // Read again, it is recorded Failed: a new record, with a version of its own.
    expect((await store.get('abc123def456'))?.status).toBe('Failed');
    const failed = await store.versions();
    expect(failed.get('abc123def456')).not.toBe(gone.get('abc123def456'));
    expect(await store.versions()).toEqual(failed);
  });

  it('leaves an execution alone while its owner runs', async () => {
    await killedMidRun();
    const store = new FileExecutionStore({ home, processProbe: probe(4242) });
    expect((await store.get('abc123def456'))?.status).toBe('Executing');
  });
});

describe('file store durability', () => {
  it('a crash before the rename leaves the previous record readable and whole', async () => {
    let crash = false;
    let seenDuringWrite: string | undefined;
    const store = new FileExecutionStore({
      home,
      writeHooks: {
        beforeRename: async () => {
          seenDuringWrite = await readFile(path.join(home, 'executions', 'abc123def456', 'execution.json'), 'utf8').catch(() => undefined);
          if (crash) throw new Error('simulated crash mid-write');
        },
      },
    });
    const rec = record('abc123def456', '2024-01-01T00:00:00.000Z');
    store.save(rec);
    await store.flush();

    crash = true;
    rec.status = 'Succeeded';
    store.save(rec);
    await expect(store.flush()).rejects.toThrow('simulated crash');
    // While the new version was being written, the old one was intact on disk...
    expect(JSON.parse(seenDuringWrite ?? '')).toMatchObject({ status: 'Executing' });
    // ...and after the crash a fresh reader still sees it, and no temp file is left behind.
    const fresh = new FileExecutionStore({ home });
    expect((await fresh.get('abc123def456'))?.status).toBe('Executing');
    expect(await readdir(path.join(home, 'executions', 'abc123def456'))).toEqual(['execution.json']);
  });

  it('a full disk: the reserve it kept is given up so that the final record is still written', async () => {
    const dir = path.join(home, 'executions', 'abc123def456');
    const reserve = path.join(dir, '.execution.json.reserve');
    let full = false;
    let reserveDuringRun = false;
    let firstWritten!: () => void;
    const written = new Promise<void>((resolve) => (firstWritten = resolve));
    const store = new FileExecutionStore({
      home,
      minWriteIntervalMs: 0,
      writeHooks: {
        // The disk is full as long as the reserve holds the last free blocks.
        beforeWrite: () => {
          if (full && existsSync(reserve)) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        },
        beforeRename: () => firstWritten(),
      },
    });
    const rec = record('abc123def456', '2024-01-01T00:00:00.000Z');
    store.save(rec);
    await written;
    reserveDuringRun = existsSync(reserve);
    full = true;
    store.save({ ...rec, status: 'Failed', failureReason: 'Step failure: One or multiple steps failed.' });
    await store.flush();
    expect(reserveDuringRun).toBe(true);
    expect(JSON.parse(await readFile(path.join(dir, 'execution.json'), 'utf8'))).toMatchObject({ status: 'Failed' });
    expect(await readdir(dir)).toEqual(['execution.json']);
  });

  it('a record that cannot be written at all: EXECUTION_RECORD_WRITE_FAILED naming the file and the cause, no temp file left', async () => {
    let fail = false;
    const store = new FileExecutionStore({
      home,
      minWriteIntervalMs: 0,
      writeHooks: {
        beforeSync: () => {
          if (fail) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        },
      },
    });
    const rec = record('abc123def456', '2024-01-01T00:00:00.000Z');
    store.save(rec);
    await store.flush();
    fail = true;
    store.save({ ...rec, status: 'Succeeded' });
    const error = await store.flush().catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'EXECUTION_RECORD_WRITE_FAILED',
      source: 'user',
      message: expect.stringContaining(`cannot write ${path.join(home, 'executions', 'abc123def456', 'execution.json')}: ENOSPC`),
      hint: expect.stringContaining('free disk space'),
    });
    expect(await readdir(path.join(home, 'executions', 'abc123def456'))).toEqual(['execution.json']);
  });

  it('a write that failed once and then succeeded leaves nothing to report', async () => {
    let failures = 1;
    let firstFailed!: () => void;
    const failed = new Promise<void>((resolve) => (firstFailed = resolve));
    const store = new FileExecutionStore({
      home,
      minWriteIntervalMs: 0,
      writeHooks: {
        beforeRename: () => {
          if (failures-- > 0) {
            firstFailed();
            throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' });
          }
        },
      },
    });
    const rec = record('abc123def456', '2024-01-01T00:00:00.000Z');
    store.save(rec);
    // The next save comes once the first write has failed (an event, not a 20 ms sleep).
    await failed;
    store.save({ ...rec, status: 'Succeeded' });
    await store.flush();
    expect((await new FileExecutionStore({ home }).get('abc123def456'))?.status).toBe('Succeeded');
  });

  it('a torn temp file from a killed process does not hide the record', async () => {
    const store = new FileExecutionStore({ home });
    store.save(record('abc123def456', '2024-01-01T00:00:00.000Z', 'Succeeded'));
    await store.flush();
    await writeFile(path.join(home, 'executions', 'abc123def456', '.execution.json.999.1.tmp'), '{"executionId": "abc1');
    const fresh = new FileExecutionStore({ home });
    expect((await fresh.list()).map((r) => r.status)).toEqual(['Succeeded']);
  });

  it('coalesces a burst of saves into few writes, the last state always written', async () => {
    let writes = 0;
    const store = new FileExecutionStore({ home, writeHooks: { beforeRename: () => void writes++ } });
    const rec = record('abc123def456', '2024-01-01T00:00:00.000Z');
    for (let i = 0; i < 200; i++) {
      rec.lastModifiedTime = `2024-01-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`;
      rec.steps.push({ stepName: `S${i}`, stepType: 'Training', status: 'Succeeded', attemptCount: 1, metadata: {} });
      store.save(rec);
    }
    await store.flush();
    expect(writes).toBeLessThan(10);
    expect((await store.get('abc123def456'))?.steps).toHaveLength(200);
  });

  it('reads a home written by an earlier sagesim: the record where it always was, found by id, ARN and prefix', async () => {
    const finished = record('abc123def456', '2024-01-01T00:00:00.000Z', 'Succeeded');
    await mkdir(path.join(home, 'executions', 'abc123def456'), { recursive: true });
    await writeFile(path.join(home, 'executions', 'abc123def456', 'execution.json'), JSON.stringify(finished));
    const store = new FileExecutionStore({ home });
    expect(await store.get('abc123def456')).toEqual(finished);
    expect((await store.list()).map((r) => r.executionId)).toEqual(['abc123def456']);
    expect((await store.find(finished.executionArn)).executionId).toBe('abc123def456');
    expect((await store.find('abc1')).executionId).toBe('abc123def456');
    expect(store.executionDir('abc123def456')).toBe(path.join(home, 'executions', 'abc123def456'));
  });

  it('skips folders without a readable record when listing', async () => {
    const store = new FileExecutionStore({ home });
    store.save(record('abc123def456', '2024-01-01T00:00:00.000Z'));
    await store.flush();
    await mkdir(path.join(home, 'executions', 'broken000000'), { recursive: true });
    await writeFile(path.join(home, 'executions', 'broken000000', 'execution.json'), '{not json');
    expect((await store.list()).map((r) => r.executionId)).toEqual(['abc123def456']);
  });

  it('writes step logs and per-attempt work folders inside the execution folder', async () => {
    const store = new FileExecutionStore({ home });
    const log = store.openStepLog('abc123def456', 'Train Model');
    log.write('line 1');
    log.write('line 2\n');
    await log.close();
    expect(log.relativePath).toBe(path.join('logs', 'Train_Model.log'));
    expect(await readFile(log.path, 'utf8')).toBe('line 1\nline 2\n');
    const workDir = await store.stepWorkDir('abc123def456', 'Train', 2);
    expect(workDir).toBe(path.join(home, 'executions', 'abc123def456', 'steps', 'Train', 'attempt-2'));
    expect(await readdir(workDir)).toEqual([]);
  });

  it('gives every run of a step attempt a fresh work folder: a retried step never sees what a failed run left', async () => {
    const store = new FileExecutionStore({ home });
    const failedRun = await store.stepWorkDir('abc123def456', 'Train', 1);
    await writeFile(path.join(failedRun, 'partial-model.pkl'), 'half written');

    // RetryPipelineExecution (`sagesim retry`) runs the step again from attempt 1.
    const retried = await store.stepWorkDir('abc123def456', 'Train', 1);
    expect(retried).not.toBe(failedRun);
    expect(await readdir(retried)).toEqual([]);
    expect(await readdir(failedRun)).toEqual(['partial-model.pkl']);
    expect(await store.stepWorkDir('abc123def456', 'Train', 1)).not.toBe(retried);
  });

  it('keeps cache entries across store instances, newest first', async () => {
    const entry = (executionId: string) => ({
      pipelineName: 'p',
      key: 'k1',
      stepName: 'Train',
      stepType: 'Training' as const,
      executionId,
      executionArn: `arn:${executionId}`,
      finishedAt: '2024-01-01T00:00:00.000Z',
      properties: {},
      propertyFiles: {},
      outputParameters: {},
      metadata: {},
    });
    const store = new FileExecutionStore({ home });
    await Promise.all([store.recordCacheEntry(entry('e1')), store.recordCacheEntry(entry('e2'))]);
    const entries = await new FileExecutionStore({ home }).cacheEntries('p', 'k1');
    expect(entries.map((e) => e.executionId).sort()).toEqual(['e1', 'e2']);
    expect(await store.cacheEntries('p', 'other')).toEqual([]);
  });
});
