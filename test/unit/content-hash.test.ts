// The images' content hash computed in TypeScript must be the one the shell build computed, byte
// for byte: the build, `images ls` and the check before a run ask the engine for
// `sagesim/<name>:<hash>`, and a different hash would call every image built before missing.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contentHash } from '../../src/images/content-hash.js';

/** The pipeline of the shell build's content_hash (containers/build-images.sh before it became a wrapper). */
function scriptHash(root: string, folders: readonly string[]): string {
  const pipeline = `find "$@" -type f ! -name '*.pyc' ! -path '*/__pycache__/*' ! -name '.DS_Store' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12`;
  return execFileSync('bash', ['-c', pipeline, 'hash', ...folders], { cwd: root, encoding: 'utf8' }).trim();
}

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe('image content hash', () => {
  it('is the build script\'s for a tree with nested folders, odd names, ignored files and links', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sagesim-hash-'));
    roots.push(root);
    for (const dir of ['base', 'toolkit/pkg/__pycache__', 'toolkit/bin', 'knn']) mkdirSync(path.join(root, dir), { recursive: true });
    const files: Record<string, string> = {
      'base/Dockerfile': 'FROM x\n',
      'base/a b.txt': 'space',
      'base/Zed': 'upper case sorts first in C order',
      'toolkit/pkg/mod.py': 'print(1)\n',
      'toolkit/pkg/mod.pyc': 'ignored',
      'toolkit/pkg/__pycache__/mod.cpython-311.pyc': 'ignored',
      'toolkit/bin/run': '#!/bin/sh\n',
      'toolkit/.DS_Store': 'ignored',
      'toolkit/back\\slash': 'sha256sum escapes this name',
      'knn/Dockerfile': 'FROM base\n',
    };
    for (const [file, text] of Object.entries(files)) writeFileSync(path.join(root, file), text);
    symlinkSync('Dockerfile', path.join(root, 'knn/link'));
    return contentHash(root, ['base', 'toolkit', 'knn']).then((hash) => expect(hash).toBe(scriptHash(root, ['base', 'toolkit', 'knn'])));
  });

  it('changes when a file does', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sagesim-hash-'));
    roots.push(root);
    mkdirSync(path.join(root, 'base'));
    writeFileSync(path.join(root, 'base/f'), 'one');
    const before = await contentHash(root, ['base']);
    writeFileSync(path.join(root, 'base/f'), 'two');
    expect(await contentHash(root, ['base'])).not.toBe(before);
    expect(await contentHash(root, ['base'])).toBe(scriptHash(root, ['base']));
  });
});
