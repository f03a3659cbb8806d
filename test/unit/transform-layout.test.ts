import { describe, expect, it } from 'vitest';
import { MemoryObjectStore } from '../../src/mock-aws/memory-object-store.js';
import { planTransformInputs, transformOutputUri } from '../../src/steps/transform-layout.js';

async function layout(inputUri: string, keys: readonly string[], dataType?: string, manifest?: string): Promise<string[]> {
  const store = new MemoryObjectStore();
  for (const key of keys) await store.put(`s3://in/${key}`, 'x\n');
  if (manifest) await store.put('s3://in/manifest.json', manifest);
  const inputs = await planTransformInputs(store, inputUri, dataType);
  return inputs.map((input) => `${input.uri} -> ${transformOutputUri('s3://out/results', input.relativeKey)}`);
}

describe('transform output layout', () => {
  it.each([
    ['a folder prefix', 's3://in/batch', ['batch/a.csv', 'batch/sub/b.csv'], ['s3://in/batch/a.csv -> s3://out/results/a.csv.out', 's3://in/batch/sub/b.csv -> s3://out/results/sub/b.csv.out']],
    ['a prefix with a slash', 's3://in/batch/', ['batch/a.csv'], ['s3://in/batch/a.csv -> s3://out/results/a.csv.out']],
    ['one object', 's3://in/batch/a.csv', ['batch/a.csv'], ['s3://in/batch/a.csv -> s3://out/results/a.csv.out']],
    ['a prefix ending inside a name', 's3://in/batch/da', ['batch/data-1.csv'], ['s3://in/batch/data-1.csv -> s3://out/results/data-1.csv.out']],
  ])('%s: outputs sit at <S3OutputPath>/<key relative to the prefix>.out, with no extra folder', async (_label, uri, keys, expected) => {
    expect(await layout(uri, keys)).toEqual(expected);
  });

  it('lays out a manifest by its entries', async () => {
    const manifest = JSON.stringify([{ prefix: 's3://in/data/' }, 'part-1.csv', 'nested/part-2.csv']);
    expect(await layout('s3://in/manifest.json', ['data/part-1.csv', 'data/nested/part-2.csv'], 'ManifestFile', manifest)).toEqual([
      's3://in/data/part-1.csv -> s3://out/results/part-1.csv.out',
      's3://in/data/nested/part-2.csv -> s3://out/results/nested/part-2.csv.out',
    ]);
  });

  it('a trailing slash on S3OutputPath changes nothing', () => {
    expect(transformOutputUri('s3://out/results/', 'a.csv')).toBe('s3://out/results/a.csv.out');
  });

  it('refuses AugmentedManifestFile and reports a prefix with no objects', async () => {
    await expect(layout('s3://in/x', ['x/a'], 'AugmentedManifestFile')).rejects.toMatchObject({ code: 'TRANSFORM_UNSUPPORTED' });
    await expect(layout('s3://in/missing', ['x/a'])).rejects.toMatchObject({ code: 'S3_INPUT_NOT_FOUND' });
  });
});
