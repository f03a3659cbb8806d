// The step cache's index on disk: the file layout earlier sagesim versions wrote keeps working, and
// every rewrite of an index file (recording, forgetting removed executions) holds its lock file.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CacheEntry } from '../../src/engine/cache.js';
import { FileCacheIndex } from '../../src/store/file-cache-index.js';
import { withFileLock } from '../../src/store/file-lock.js';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'sagesim-cache-index-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

function entry(executionId: string, pipelineName = 'My Pipeline', key = 'k1'): CacheEntry {
  return {
    pipelineName,
    key,
    stepName: 'Train',
    stepType: 'Training',
    executionId,
    executionArn: `arn:${executionId}`,
    finishedAt: '2024-01-01T00:00:00.000Z',
    properties: { ModelArtifacts: { S3ModelArtifacts: `s3://b/${executionId}/model.tar.gz` } },
    propertyFiles: {},
    outputParameters: {},
    metadata: {},
  };
}

/** Writes an index file as earlier versions did: `<home>/cache/<safe pipeline>/<key>.json`, indent 1. */
async function writeIndexFile(dir: string, key: string, entries: readonly CacheEntry[]): Promise<string> {
  const file = path.join(home, 'cache', dir, `${key}.json`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(entries, null, 1));
  return file;
}

describe('file cache index', () => {
  it('reads an index written by an earlier sagesim, and writes the same bytes it would have', async () => {
    const file = await writeIndexFile('My_Pipeline', 'k1', [entry('old')]);
    const index = new FileCacheIndex({ home });
    expect((await index.cacheEntries('My Pipeline', 'k1')).map((e) => e.executionId)).toEqual(['old']);
    await index.recordCacheEntry(entry('new'));
    expect(await readFile(file, 'utf8')).toBe(JSON.stringify([entry('new'), entry('old')], null, 1));
    expect(await readdir(path.dirname(file))).toEqual(['k1.json']);
  });

  it('forgets removed executions: their entries go, an emptied file goes, other files stay as they were', async () => {
    const mixed = await writeIndexFile('My_Pipeline', 'k1', [entry('gone'), entry('kept')]);
    const emptied = await writeIndexFile('My_Pipeline', 'k2', [entry('gone', 'My Pipeline', 'k2')]);
    const untouched = await writeIndexFile('Other', 'k3', [entry('kept', 'Other', 'k3')]);
    const torn = path.join(home, 'cache', 'Other', 'k4.json');
    await writeFile(torn, '[{"executionId": "go');
    await new FileCacheIndex({ home }).forgetExecutions(new Set(['gone']));
    expect(JSON.parse(await readFile(mixed, 'utf8'))).toEqual([entry('kept')]);
    expect(existsSync(emptied)).toBe(false);
    expect(await readFile(untouched, 'utf8')).toBe(JSON.stringify([entry('kept', 'Other', 'k3')], null, 1));
    expect(await readFile(torn, 'utf8')).toBe('[{"executionId": "go');
  });

  it('forgets under the lock: an entry another process records meanwhile is not lost', async () => {
    const file = await writeIndexFile('My_Pipeline', 'k1', [entry('gone'), entry('kept')]);
    const index = new FileCacheIndex({ home });
    let forgetting: Promise<void> | undefined;
    // Stands for another sagesim process's read-modify-write, in its critical section while the
    // removal starts.
    await withFileLock(file, async () => {
      const before = await readFile(file, 'utf8');
      forgetting = index.forgetExecutions(new Set(['gone']));
      // Gives a removal that ignored the lock ample time to rewrite the file; one that waits for
      // the lock never does, so the bound only matters when the test is to fail.
      for (let poll = 0; poll < 100 && (await readFile(file, 'utf8')) === before; poll++) await new Promise((resolve) => setTimeout(resolve, 2));
      await writeFile(file, JSON.stringify([entry('meanwhile'), entry('gone'), entry('kept')], null, 1));
    });
    await forgetting;
    expect((JSON.parse(await readFile(file, 'utf8')) as CacheEntry[]).map((e) => e.executionId)).toEqual(['meanwhile', 'kept']);
  });
});
