// The console's look at the store for changes made by other processes (`sagesim run`, `sagesim rm`
// in another terminal): each look reads only the records that can have changed, and open pages
// hear of new, changed and removed executions. The look is cranked by hand: no timers to wait on.
import { mkdtemp, rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { executionRecord } from './support/execution-records.js';
import { type ConsoleHandler, createConsoleHandler } from '../../src/console/console-handler.js';
import { type ProcessProbe, systemProcessProbe } from '../../src/ports/process-probe.js';
import type { ExecutionRecord } from '../../src/engine/execution-record.js';
import type { ExecutionStore } from '../../src/engine/execution-store.js';
import { ModelRegistry } from '../../src/mock-aws/model-registry.js';
import { MemoryPipelineStore } from '../../src/mock-aws/sagemaker-api/pipeline-store.js';
import { StoreWatch } from '../../src/console/store-watch.js';
import { FileExecutionStore } from '../../src/store/file-execution-store.js';
import { MemoryExecutionStore } from '../../src/store/memory-execution-store.js';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'sagesim-console-watch-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

/** A process that owned executions and is gone, until `alive` says otherwise. */
const OTHER_PID = 999_999;
function probe(state: { alive: boolean }): ProcessProbe {
  return { ...systemProcessProbe, alive: (pid) => (pid === OTHER_PID ? state.alive : systemProcessProbe.alive(pid)), startOf: () => undefined };
}

function record(executionId: string, minute: number, status: ExecutionRecord['status']): ExecutionRecord {
  const startTime = new Date(Date.UTC(2024, 0, 1, 0, minute)).toISOString();
  return executionRecord(executionId, { startTime, status, owner: { pid: OTHER_PID, hostname: systemProcessProbe.hostname } });
}

/** The console's view of the store, counting the records it reads. */
function countingReads(store: ExecutionStore): { store: ExecutionStore; reads(): number } {
  let reads = 0;
  const counted = Object.create(store) as ExecutionStore;
  Object.assign(counted, {
    get: async (id: string) => {
      const found = await store.get(id);
      if (found) reads++;
      return found;
    },
    list: async () => {
      const all = await store.list();
      reads += all.length;
      return all;
    },
  });
  return { store: counted, reads: () => reads };
}

/** An open page's event stream: the execution ids of each change message, as they come. */
function openPage(handler: ConsoleHandler): { nextChange(): Promise<string[]>; readonly registryEvents: number } {
  const queue: string[][] = [];
  let registryEvents = 0;
  let wake: (() => void) | undefined;
  const res = {
    writeHead: () => res,
    on: () => res,
    end: () => undefined,
    write: (chunk: string) => {
      const data = /^event: change\ndata: (.*)$/m.exec(chunk)?.[1];
      if (data !== undefined) queue.push((JSON.parse(data) as { executionIds: string[] }).executionIds);
      if (chunk.startsWith('event: registry\n')) registryEvents++;
      wake?.();
      return true;
    },
  };
  handler.events.subscribe(res as unknown as ServerResponse);
  return {
    get registryEvents() {
      return registryEvents;
    },
    nextChange: async () => {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return (queue.shift() as string[]).sort();
    },
  };
}

interface Watched {
  readonly handler: ConsoleHandler;
  /** This server's store (counting its reads), and another process's on the same home. */
  readonly counted: ReturnType<typeof countingReads>;
  readonly other: FileExecutionStore;
  /** One look at the store, as the timer would take it. */
  look(): Promise<void>;
}

function watch(owner: { alive: boolean }): Watched {
  const counted = countingReads(new FileExecutionStore({ home, processProbe: probe(owner) }));
  let look: (() => Promise<void>) | undefined;
  const handler = createConsoleHandler({
    // As serve's execution service: the store's records (this server runs none of them).
    executions: { get: async () => undefined, list: () => counted.store.list() },
    store: counted.store,
    pipelines: new MemoryPipelineStore(),
    // The registry other processes write too (only its version matters here).
    registry: new ModelRegistry({ home, region: 'us-east-1', accountId: '111122223333' }),
    assetsDir: home,
    watchEvery: (_ms, next) => {
      look = next;
      return () => (look = undefined);
    },
  });
  return {
    handler,
    counted,
    other: new FileExecutionStore({ home, processProbe: probe(owner) }),
    look: () => (look ? look() : Promise.reject(new Error('nobody watches the store'))),
  };
}

describe('the console watching the store', () => {
  it('reads no record that has not changed: with 50 finished executions and 1 running, a look reads none', async () => {
    const owner = { alive: true };
    const { handler, counted, other, look } = watch(owner);
    for (let i = 0; i < 50; i++) other.save(record(`done${i}`, i, 'Succeeded'));
    other.save(record('running1', 60, 'Executing'));
    await other.flush();
    openPage(handler);
    await look();
    const learnt = counted.reads();
    await look();
    await look();
    expect(counted.reads() - learnt).toBe(0);
    // A change is read, and only it.
    other.save({ ...record('running1', 60, 'Executing'), lastModifiedTime: '2024-01-01T02:00:00.000Z' });
    await other.flush();
    await look();
    expect(counted.reads() - learnt).toBe(1);
    handler.close();
  });

  it('tells open pages about an execution added, changed or removed by another process, and about no other', async () => {
    const { handler, other, look } = watch({ alive: true });
    const running = record('running1', 1, 'Executing');
    for (const r of [record('done1', 0, 'Succeeded'), running, record('gone1', 2, 'Failed')]) other.save(r);
    await other.flush();
    const page = openPage(handler);
    await look();
    other.save({ ...running, status: 'Succeeded', lastModifiedTime: '2024-01-01T00:05:00.000Z' });
    other.save(record('new1', 3, 'Executing'));
    await other.flush();
    // `sagesim rm gone1` in another terminal.
    await rm(other.executionDir('gone1'), { recursive: true });
    await look();
    expect(await page.nextChange()).toEqual(['gone1', 'new1', 'running1']);
    await look();
    handler.events.changed('marker');
    // A look with nothing changed says nothing: the next message is the marker alone.
    expect(await page.nextChange()).toEqual(['marker']);
    handler.close();
  });

  it('tells open pages when a running execution\'s process is found gone, though nobody wrote its record', async () => {
    const owner = { alive: true };
    const { handler, other, look } = watch(owner);
    other.save(record('running1', 1, 'Executing'));
    await other.flush();
    const page = openPage(handler);
    await look();
    owner.alive = false;
    await look();
    expect(await page.nextChange()).toEqual(['running1']);
    expect((await other.get('running1'))?.status).toBe('Failed');
    handler.close();
  });
});

describe('the console watching the model registry', () => {
  it('tells open pages when another process registers or approves a version, and not when only executions change', async () => {
    const { handler, other, look } = watch({ alive: true });
    const registry = new ModelRegistry({ home, region: 'us-east-1', accountId: '111122223333' });
    const page = openPage(handler);
    await look();
    other.save(record('running1', 1, 'Executing'));
    await other.flush();
    await look();
    expect(await page.nextChange()).toEqual(['running1']);
    expect(page.registryEvents).toBe(0);
    // A RegisterModel step, or `sagesim models approve`, in another process.
    const created = await registry.createModelPackage({ ModelPackageGroupName: 'housing' });
    await look();
    expect(page.registryEvents).toBe(1);
    await look();
    expect(page.registryEvents).toBe(1);
    await registry.updateModelPackage(created.ModelPackageArn, { ModelApprovalStatus: 'Approved' });
    await look();
    expect(page.registryEvents).toBe(2);
    handler.close();
  });
});

describe('a store of the user\'s own, written before stores had versions()', () => {
  it('still tells open pages about changes: each look reads its records instead', async () => {
    const memory = new MemoryExecutionStore();
    // Only what such a store has for the console: get and list.
    const watch = new StoreWatch({ get: (id) => memory.get(id), list: () => memory.list() });
    memory.save(record('done1', 0, 'Succeeded'));
    memory.save(record('running1', 1, 'Executing'));
    expect(await watch.look()).toEqual([]);
    expect(await watch.look()).toEqual([]);
    memory.save({ ...record('running1', 1, 'Succeeded'), lastModifiedTime: '2024-01-01T00:05:00.000Z' });
    memory.save(record('new1', 2, 'Executing'));
    expect((await watch.look()).sort()).toEqual(['new1', 'running1']);
    expect(await watch.look()).toEqual([]);
  });
});
