// The cache index is shared by every sagesim process of a home (parallel CI jobs, `serve` and a
// `run`): entries written at once by several processes must all be kept.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { FileExecutionStore } from '../../src/store/file-execution-store.js';

const run = promisify(execFile);
const tsx = path.resolve('node_modules/.bin/tsx');
const writer = path.resolve('test/integration/support/write-cache-entries.ts');

describe('the cache index across processes', { timeout: 120_000 }, () => {
  let home: string;
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('keeps all 240 entries when 6 processes write 40 each at once', async () => {
    home = await mkdtemp(path.join(tmpdir(), 'sagesim-cache-procs-'));
    await Promise.all(Array.from({ length: 6 }, (_, i) => run(tsx, [writer, home, String(i), '40'])));
    const entries = await new FileExecutionStore({ home }).cacheEntries('p', 'k');
    expect(entries).toHaveLength(240);
    expect(new Set(entries.map((e) => `${e.executionId}/${e.stepName}`)).size).toBe(240);
    // No lock or temp file is left behind.
    expect((await readdir(path.join(home, 'cache', 'p'))).filter((name) => name !== 'k.json')).toEqual([]);
  });

  it('breaks a lock left by a process that is gone', async () => {
    home = await mkdtemp(path.join(tmpdir(), 'sagesim-cache-stale-'));
    const dir = path.join(home, 'cache', 'p');
    await mkdir(dir, { recursive: true });
    // pid 2^22 + 1 is above Linux's pid_max limit: no such process.
    const { hostname } = await import('node:os');
    await writeFile(path.join(dir, 'k.json.lock'), JSON.stringify({ pid: 4_194_305, hostname: hostname(), token: 'dead' }));
    await run(tsx, [writer, home, '0', '3']);
    expect(await new FileExecutionStore({ home }).cacheEntries('p', 'k')).toHaveLength(3);
  });
});
