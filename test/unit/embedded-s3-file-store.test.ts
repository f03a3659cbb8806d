import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3StoredObject } from '../../src/mock-aws/embedded-s3-object.js';
import { EmbeddedS3Store } from '../../src/mock-aws/embedded-s3-store.js';

describe('the embedded S3 file store', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'sagesim-s3-files-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads an object a home written by s3rver holds, hashing it once when its .md5 file is missing', async () => {
    await mkdir(path.join(root, 'old-bucket', 'data'), { recursive: true });
    await writeFile(path.join(root, 'old-bucket', 'data', 'train.csv._S3rver_object'), 'hello');
    await writeFile(
      path.join(root, 'old-bucket', 'data', 'train.csv._S3rver_metadata.json'),
      JSON.stringify({ 'content-type': 'text/csv', 'x-amz-meta-owner': 'me' }, null, 2),
    );
    const store = new EmbeddedS3Store(root);

    const object = await store.getObject('old-bucket', 'data/train.csv');

    expect(object?.metadata).toMatchObject({
      'content-type': 'text/csv',
      'x-amz-meta-owner': 'me',
      'content-length': '5',
      etag: '"5d41402abc4b2a76b9719d911017c592"',
    });
    expect(await readFile(path.join(root, 'old-bucket', 'data', 'train.csv._S3rver_object.md5'), 'utf8')).toBe('5d41402abc4b2a76b9719d911017c592');
    expect(await store.listBuckets()).toEqual([expect.objectContaining({ name: 'old-bucket' })]);
  });

  it('copies an object with new headers (MetadataDirective REPLACE) and keeps only what S3 stores', async () => {
    const store = new EmbeddedS3Store(root);
    await store.putBucket('copy-bucket');
    await store.putObject(new S3StoredObject('copy-bucket', 'a', Buffer.from('abc'), { 'content-type': 'text/plain', 'x-amz-meta-a': '1' }));

    const copied = await store.copyObject({ bucket: 'copy-bucket', key: 'a' }, { bucket: 'copy-bucket', key: 'b' }, { 'content-type': 'a/b', 'x-amz-meta-b': '2', host: 'ignored' });

    expect(copied).toMatchObject({ 'content-type': 'a/b', 'x-amz-meta-b': '2', etag: '"900150983cd24fb0d6963f7d28e17f72"' });
    expect(copied).not.toHaveProperty('host');
    expect(copied).not.toHaveProperty('x-amz-meta-a');
  });
});
