// Fixture manifests: what they accept, how they report mistakes, and seeding an object store.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { list as listTar } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateHousing } from '../../src/data/housing.js';
import { generateChurn } from '../../src/data/churn.js';
import type { Reporter } from '../../src/engine/events.js';
import { ManifestError, findManifestFor, loadManifest, parseManifest, seedForDefinition, seedManifest } from '../../src/fixtures/manifest.js';
import { packSourceDir } from '../../src/fixtures/source-tarball.js';
import { MemoryObjectStore } from '../../src/mock-aws/memory-object-store.js';

let root: string;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'sagesim-manifest-'));
  mkdirSync(path.join(root, 'scripts/train/lib'), { recursive: true });
  mkdirSync(path.join(root, 'scripts/train/__pycache__'), { recursive: true });
  mkdirSync(path.join(root, 'fixture'));
  writeFileSync(path.join(root, 'scripts/preprocess.py'), 'print("preprocess")\n');
  writeFileSync(path.join(root, 'scripts/train/train.py'), 'print("train")\n');
  writeFileSync(path.join(root, 'scripts/train/lib/util.py'), 'X = 1\n');
  writeFileSync(path.join(root, 'scripts/train/__pycache__/train.cpython-311.pyc'), 'junk');
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function writeManifest(content: unknown): string {
  const file = path.join(root, 'fixture', 'manifest.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}

const VALID = {
  description: 'test fixture',
  objects: [
    { uri: 's3://sagesim-demo/t/code/preprocess.py', file: '../scripts/preprocess.py' },
    { uri: 's3://sagesim-demo/t/scripts/', dir: '../scripts/train' },
    { uri: 's3://sagesim-demo/t/input/housing.csv', generate: { dataset: 'housing', rows: 300, seed: 7 } },
    { uri: 's3://sagesim-demo/t/input/churn.csv', generate: { dataset: 'churn', rows: 50 } },
    { uri: 's3://sagesim-demo/t/code/sourcedir.tar.gz', tarDir: '../scripts/train' },
  ],
};

function problemsOf(content: unknown): { path: string; message: string }[] {
  try {
    loadManifest(writeManifest(content));
  } catch (error) {
    if (error instanceof ManifestError) return error.problems.map((p) => ({ path: p.path, message: p.message }));
    throw error;
  }
  throw new Error('manifest was accepted');
}

describe('loadManifest', () => {
  it('reads every kind of entry and resolves paths against the manifest folder', () => {
    const manifest = loadManifest(writeManifest(VALID));
    expect(manifest.description).toBe('test fixture');
    expect(manifest.entries).toEqual([
      { kind: 'file', uri: 's3://sagesim-demo/t/code/preprocess.py', file: path.join(root, 'scripts/preprocess.py') },
      { kind: 'directory', uri: 's3://sagesim-demo/t/scripts/', directory: path.join(root, 'scripts/train') },
      { kind: 'generate', uri: 's3://sagesim-demo/t/input/housing.csv', dataset: 'housing', rows: 300, seed: 7 },
      { kind: 'generate', uri: 's3://sagesim-demo/t/input/churn.csv', dataset: 'churn', rows: 50 },
      { kind: 'tarball', uri: 's3://sagesim-demo/t/code/sourcedir.tar.gz', directory: path.join(root, 'scripts/train') },
    ]);
  });

  it('reports every problem at once, each with the JSON path of the bad entry', () => {
    const problems = problemsOf({
      objects: [
        { uri: 'https://example.com/x', file: '../scripts/preprocess.py' },
        { uri: 's3://sagesim-demo/a', file: '../scripts/preprocess.py', generate: { dataset: 'housing' } },
        { uri: 's3://sagesim-demo/b', generate: { dataset: 'iris', rows: -1 } },
        { uri: 's3://sagesim-demo/c', file: '../scripts/missing.py' },
        { uri: 's3://sagesim-demo/d', dir: '../scripts/train' },
        { uri: 's3://sagesim-demo/e.tar', tarDir: '../scripts/train' },
        { uri: 's3://sagesim-demo/f', file: '../scripts/train' },
        { uri: 's3://sagesim-demo/g', file: '../scripts/preprocess.py', mode: 'fast' },
        { uri: 's3://sagesim-demo/h', file: '../scripts/preprocess.py' },
        { uri: 's3://sagesim-demo/h', file: '../scripts/preprocess.py' },
      ],
    });
    expect(problems.map((p) => p.path)).toEqual([
      '$.objects[0].uri',
      '$.objects[1]',
      '$.objects[2].generate.dataset',
      '$.objects[2].generate.rows',
      '$.objects[3].file',
      '$.objects[4].uri',
      '$.objects[5].uri',
      '$.objects[6].file',
      '$.objects[7].mode',
      '$.objects[9].uri',
    ]);
    const messageAt = (at: string) => problems.find((p) => p.path === at)?.message;
    expect(messageAt('$.objects[1]')).toContain('give exactly one');
    expect(messageAt('$.objects[2].generate.dataset')).toContain('housing, churn');
    expect(messageAt('$.objects[3].file')).toContain('not found');
    expect(messageAt('$.objects[4].uri')).toContain('must end with "/"');
    expect(messageAt('$.objects[6].file')).toContain('is a directory, expected a file');
    expect(messageAt('$.objects[9].uri')).toContain('already placed by $.objects[8]');
  });

  it('says what is wrong with a manifest that is not a manifest', () => {
    expect(problemsOf('{ not json')).toEqual([{ path: '$', message: expect.stringContaining('not valid JSON') }]);
    expect(problemsOf({ entries: [] }).map((p) => p.path)).toEqual(['$.entries', '$.objects']);
    expect(() => parseManifest([], '/x/manifest.json')).toThrow(ManifestError);
  });

  it('names the manifest file and every problem in its message', () => {
    const file = writeManifest({ objects: [{ uri: 's3://sagesim-demo/k' }] });
    expect(() => loadManifest(file)).toThrow(/manifest .*manifest\.json has 1 problem:\n {2}\$\.objects\[0\]: needs one of/);
  });

  it('fails with MANIFEST_NOT_FOUND when the file does not exist', () => {
    expect(() => loadManifest(path.join(root, 'nope.json'))).toThrow(expect.objectContaining({ code: 'MANIFEST_NOT_FOUND' }));
  });
});

describe('findManifestFor', () => {
  it('finds manifest.json beside the definition, and nothing when there is none', () => {
    writeManifest(VALID);
    const definition = path.join(root, 'fixture', 'pipeline.json');
    expect(findManifestFor(definition)).toBe(path.join(root, 'fixture', 'manifest.json'));
    expect(findManifestFor(path.join(root, 'scripts', 'pipeline.json'))).toBeUndefined();
  });
});

describe('seedManifest', () => {
  it('places files, folders, generated data and source tarballs at their URIs', async () => {
    const store = new MemoryObjectStore();
    const result = await seedManifest(loadManifest(writeManifest(VALID)), store);

    expect(result).toEqual({ placed: 6, skipped: 0 });
    expect((await store.list('s3://sagesim-demo/')).map((o) => o.uri)).toEqual([
      's3://sagesim-demo/t/code/preprocess.py',
      's3://sagesim-demo/t/code/sourcedir.tar.gz',
      's3://sagesim-demo/t/input/churn.csv',
      's3://sagesim-demo/t/input/housing.csv',
      's3://sagesim-demo/t/scripts/lib/util.py',
      's3://sagesim-demo/t/scripts/train.py',
    ]);
    expect((await store.get('s3://sagesim-demo/t/code/preprocess.py')).toString()).toBe('print("preprocess")\n');
    expect((await store.get('s3://sagesim-demo/t/input/housing.csv')).toString()).toBe(generateHousing({ rows: 300, seed: 7 }));
    expect((await store.get('s3://sagesim-demo/t/input/churn.csv')).toString()).toBe(generateChurn({ rows: 50, seed: 42 }));
  });

  it('packs the source tarball with the scripts at its root and no caches', async () => {
    const store = new MemoryObjectStore();
    await seedManifest(loadManifest(writeManifest(VALID)), store);
    const names = await tarEntries(await store.get('s3://sagesim-demo/t/code/sourcedir.tar.gz'));
    expect(names).toEqual(['lib/util.py', 'train.py']);
  });

  it('skips objects already there with the same bytes, so a second run uploads nothing', async () => {
    const store = new MemoryObjectStore();
    const manifest = loadManifest(writeManifest(VALID));
    await seedManifest(manifest, store);
    expect(await seedManifest(manifest, store)).toEqual({ placed: 0, skipped: 6 });
  });

  it('uploads again what changed, and everything with force', async () => {
    const store = new MemoryObjectStore();
    const manifest = loadManifest(writeManifest(VALID));
    await seedManifest(manifest, store);
    // Same length, different bytes: the content comparison must catch it, not the size.
    writeFileSync(path.join(root, 'scripts/preprocess.py'), 'print("PREPROCESS")\n');
    expect(await seedManifest(manifest, store)).toEqual({ placed: 1, skipped: 5 });
    expect((await store.get('s3://sagesim-demo/t/code/preprocess.py')).toString()).toBe('print("PREPROCESS")\n');
    expect(await seedManifest(manifest, store, { force: true })).toEqual({ placed: 6, skipped: 0 });
  });

  it('tells the reporter what it placed and sums up', async () => {
    const messages: string[] = [];
    const reporter: Reporter = { progress: ({ message }) => messages.push(message) };
    await seedManifest(loadManifest(writeManifest(VALID)), new MemoryObjectStore(), { reporter });
    expect(messages).toContainEqual(expect.stringMatching(/^placed s3:\/\/sagesim-demo\/t\/input\/housing\.csv \(generated housing data, 300 rows, seed 7, [\d.]+ KiB\)$/));
    expect(messages.at(-1)).toBe('S3 seeded from fixture/manifest.json: 6 placed, 0 already there');
  });

  it('names the object and the store when an upload fails', async () => {
    const store = new MemoryObjectStore();
    store.put = () => Promise.reject(new Error('connection refused'));
    await expect(seedManifest(loadManifest(writeManifest(VALID)), store)).rejects.toThrow(
      /cannot place s3:\/\/sagesim-demo\/t\/code\/preprocess\.py \(file .*preprocess\.py\) in in-memory object store: connection refused/,
    );
  });

  it('seeds the manifest beside a definition, and does nothing without one', async () => {
    writeManifest(VALID);
    const store = new MemoryObjectStore();
    expect(await seedForDefinition(path.join(root, 'fixture', 'pipeline.json'), store)).toEqual({ placed: 6, skipped: 0 });
    expect(await seedForDefinition(path.join(root, 'scripts', 'pipeline.json'), store)).toBeUndefined();
  });
});

describe('packSourceDir', () => {
  it('makes the same bytes every time, whatever the files’ modification times', async () => {
    const dir = path.join(root, 'scripts/train');
    const first = await packSourceDir(dir);
    writeFileSync(path.join(dir, 'train.py'), 'print("train")\n'); // same content, new mtime
    expect((await packSourceDir(dir)).equals(first)).toBe(true);
    expect(readdirSync(dir)).toContain('__pycache__');
  });
});

describe('the shipped fixtures', () => {
  const fixtures = path.resolve(import.meta.dirname, '../../fixtures');
  const names = ['housing', 'model-comparison', 'churn'];

  it.each(names)('%s has a valid manifest beside its pipeline', (name) => {
    const manifestFile = findManifestFor(path.join(fixtures, name, 'pipeline.json'));
    expect(manifestFile).toBeDefined();
    expect(loadManifest(manifestFile ?? '').entries.length).toBeGreaterThan(0);
  });
});

async function tarEntries(archive: Buffer): Promise<string[]> {
  const names: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const parser = listTar({ onReadEntry: (entry) => names.push(entry.path) });
    parser.on('end', () => resolve());
    parser.on('error', reject);
    Readable.from([archive]).pipe(parser);
  });
  return names.sort();
}
