// `sagesim s3 ls|cat|cp`, run in-process against the embedded S3 in a temporary home: what a user
// seeds is what a later run (or command) finds.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/main.js';
import { resolveConfig } from '../../src/config.js';
import { createObjectStore } from '../../src/mock-aws/s3-client.js';

let cwd: string;
beforeEach(async () => {
  cwd = await mkdtemp(path.join(tmpdir(), 'sagesim-s3-cli-'));
});
afterEach(async () => {
  await rm(cwd, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    cwd,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

describe('sagesim s3', { timeout: 120_000 }, () => {
  it('cp uploads a file into the embedded S3 of the home, where a run finds it', async () => {
    await writeFile(path.join(cwd, 'raw.csv'), 'a,b\n1,2\n');
    const up = await cli('s3', 'cp', 'raw.csv', 's3://seed-bucket/input/');
    expect(up).toMatchObject({ code: 0, stderr: '' });
    expect(up.stdout).toContain('s3://seed-bucket/input/raw.csv');

    await using store = await createObjectStore(resolveConfig({ cwd }, {}));
    expect((await store.get('s3://seed-bucket/input/raw.csv')).toString()).toBe('a,b\n1,2\n');
  });

  it('ls lists buckets, one folder level, or everything with --recursive', async () => {
    await mkdir(path.join(cwd, 'data', 'train'), { recursive: true });
    await writeFile(path.join(cwd, 'data', 'train', 'a.csv'), '1');
    await writeFile(path.join(cwd, 'data', 'readme.txt'), 'hello');
    expect((await cli('s3', 'cp', '--recursive', 'data', 's3://ls-bucket/data')).code).toBe(0);

    const buckets = await cli('s3', 'ls');
    expect(buckets.stdout).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} ls-bucket$/m);

    const level = await cli('s3', 'ls', 's3://ls-bucket/data/');
    expect(level.stdout.split('\n').filter(Boolean).map((line) => line.trim().split(/\s+/).slice(-2).join(' '))).toEqual(['PRE train/', '5 readme.txt']);

    const all = await cli('s3', 'ls', '--recursive', 's3://ls-bucket/');
    expect(all.stdout).toContain('data/train/a.csv');
    expect(all.stdout).toContain('data/readme.txt');
  });

  it('cat prints an object', async () => {
    await writeFile(path.join(cwd, 'note.txt'), 'héllo wörld\n');
    await cli('s3', 'cp', 'note.txt', 's3://cat-bucket/note.txt');
    expect(await cli('s3', 'cat', 's3://cat-bucket/note.txt')).toMatchObject({ code: 0, stdout: 'héllo wörld\n' });
  });

  it('cp downloads an object, or a prefix with --recursive', async () => {
    await mkdir(path.join(cwd, 'out', 'nested'), { recursive: true });
    await writeFile(path.join(cwd, 'out', 'nested', 'x.txt'), 'x');
    await writeFile(path.join(cwd, 'out', 'y.txt'), 'y');
    await cli('s3', 'cp', '-r', 'out', 's3://down-bucket/job/output');

    expect((await cli('s3', 'cp', 's3://down-bucket/job/output/y.txt', 'y-copy.txt')).code).toBe(0);
    expect(await readFile(path.join(cwd, 'y-copy.txt'), 'utf8')).toBe('y');
    expect((await cli('s3', 'cp', '--recursive', 's3://down-bucket/job/output', 'fetched')).code).toBe(0);
    expect(await readFile(path.join(cwd, 'fetched', 'nested', 'x.txt'), 'utf8')).toBe('x');
    expect(await readFile(path.join(cwd, 'fetched', 'y.txt'), 'utf8')).toBe('y');
  });

  it('cp copies between S3 URIs', async () => {
    await writeFile(path.join(cwd, 'f.txt'), 'f');
    await cli('s3', 'cp', 'f.txt', 's3://copy-bucket/a/f.txt');
    expect((await cli('s3', 'cp', 's3://copy-bucket/a/f.txt', 's3://copy-bucket/b/g.txt')).code).toBe(0);
    expect((await cli('s3', 'cat', 's3://copy-bucket/b/g.txt')).stdout).toBe('f');
  });

  it('honours --home and SAGESIM_HOME for where the data lives', async () => {
    await writeFile(path.join(cwd, 'f.txt'), 'in other home');
    await cli('s3', 'cp', 'f.txt', 's3://home-bucket/f.txt', '--home', 'other-home');
    expect((await cli('s3', 'cat', 's3://home-bucket/f.txt')).code).toBe(2);
    expect((await cli('s3', 'cat', 's3://home-bucket/f.txt', '--home', 'other-home')).stdout).toBe('in other home');
  });

  it.each([
    ['a missing object', ['s3', 'cat', 's3://none-bucket/missing.txt'], /no object at s3:\/\/none-bucket\/missing\.txt/],
    ['two local paths', ['s3', 'cp', 'a', 'b'], /must be an s3:\/\/ URI/],
    ['a folder without --recursive', ['s3', 'cp', '.', 's3://b-bucket/x'], /is a folder/],
    ['a bad URI', ['s3', 'ls', 's3://'], /not an S3 URI/],
    ['an unreachable endpoint', ['s3', 'ls', 's3://x-bucket/', '--s3-endpoint', 'http://127.0.0.1:9'], /cannot reach S3 at http:\/\/127\.0\.0\.1:9/],
  ])('reports %s with exit code 2 and a message', async (_label, argv, message) => {
    const result = await cli(...argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
