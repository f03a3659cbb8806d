// The message and failure files a container leaves are read only when they are regular files:
// a link to a host file or a FIFO is not followed, and the caller hears why.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readContainerTextFile } from '../../src/steps/container-text-file.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'sagesim-container-text-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readContainerTextFile', () => {
  it('reads a regular file, at most maxBytes of it', async () => {
    await writeFile(path.join(dir, 'message'), 'model rejected: auc 0.41');
    expect(await readContainerTextFile(path.join(dir, 'message'))).toBe('model rejected: auc 0.41');
    expect(await readContainerTextFile(path.join(dir, 'message'), undefined, 5)).toBe('model');
  });

  it('is undefined, silently, for a missing or blank file', async () => {
    const reasons: string[] = [];
    await writeFile(path.join(dir, 'blank'), '  \n');
    expect(await readContainerTextFile(path.join(dir, 'none'), (r) => reasons.push(r))).toBeUndefined();
    expect(await readContainerTextFile(path.join(dir, 'blank'), (r) => reasons.push(r))).toBeUndefined();
    expect(reasons).toEqual([]);
  });

  it('does not follow a symbolic link (to a host file), and says so', async () => {
    await mkdir(path.join(dir, 'host'));
    await writeFile(path.join(dir, 'host', 'secret'), 'host secret');
    await symlink(path.join(dir, 'host', 'secret'), path.join(dir, 'message'));
    const reasons: string[] = [];
    expect(await readContainerTextFile(path.join(dir, 'message'), (r) => reasons.push(r))).toBeUndefined();
    expect(reasons).toEqual([expect.stringMatching(/message is a symbolic link/)]);
  });

  it('does not block on a FIFO, and says it is not a regular file', async () => {
    execFileSync('mkfifo', [path.join(dir, 'failure')]);
    const reasons: string[] = [];
    expect(await readContainerTextFile(path.join(dir, 'failure'), (r) => reasons.push(r))).toBeUndefined();
    expect(reasons).toEqual([expect.stringMatching(/failure is not a regular file/)]);
  });
});
