// A write that fails (disk full, I/O error) at any point leaves the old file as it was and no
// temporary file behind: a full disk must not be filled further by zero-byte `.tmp` leftovers.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AtomicWriteHooks, writeFileAtomic } from '../../src/util/atomic-file.js';
import { createJsonExclusive, writeJsonAtomic } from '../../src/mock-aws/atomic-json.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sagesim-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const noSpace = (): never => {
  throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
};

describe.each<[string, keyof AtomicWriteHooks]>([
  ['while writing', 'beforeWrite'],
  ['while syncing', 'beforeSync'],
  ['while renaming', 'beforeRename'],
])('a failure %s', (_label, hook) => {
  it('writeFileAtomic keeps the old content and removes its temporary file', async () => {
    const file = path.join(dir, 'execution.json');
    await writeFile(file, 'old');
    await expect(writeFileAtomic(file, 'new', { [hook]: noSpace })).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await readFile(file, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['execution.json']);
  });

  it('createJsonExclusive creates nothing and removes its temporary file', async () => {
    await expect(createJsonExclusive(path.join(dir, 'a.json'), { a: 1 }, { [hook]: noSpace })).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('writeJsonAtomic removes its temporary file', async () => {
    await expect(writeJsonAtomic(path.join(dir, 'b.json'), { b: 1 }, { [hook]: noSpace })).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(await readdir(dir)).toEqual([]);
  });
});
