// The embedded S3's files: buckets as folders, each object as `<name>._S3rver_object` beside its
// `._S3rver_metadata.json` and `._S3rver_object.md5` (the layout homes written by earlier
// versions hold, kept so they keep working). Paths come from EmbeddedS3Store's name mapping.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { writeFileAtomic } from '../util/atomic-file.js';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

export interface S3BucketInfo {
  readonly name: string;
  readonly creationDate: Date;
}

export abstract class EmbeddedS3FileStore {
  constructor(readonly rootDirectory: string) {}

  abstract getBucketPath(bucket: string): string;
  abstract getResourcePath(bucket: string, key: string | undefined, resource: string): string;

  /** The object's stored headers with its `etag`, `last-modified` and `content-length`; ENOENT when absent. */
  async getMetadata(bucket: string, key: string): Promise<Record<string, string>> {
    const objectPath = this.getResourcePath(bucket, key, 'object');
    const info = await stat(objectPath);
    const [stored, md5] = await Promise.all([
      readFile(this.getResourcePath(bucket, key, 'metadata.json'), 'utf8').then(
        (text) => JSON.parse(text) as Record<string, string>,
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return {};
          throw error;
        },
      ),
      readFile(`${objectPath}.md5`, 'utf8').catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
        // An object copied into the store by hand: hash it once.
        const hash = createHash('md5');
        await pipeline(createReadStream(objectPath), hash);
        const digest = hash.digest('hex');
        await writeFile(`${objectPath}.md5`, digest);
        return digest;
      }),
    ]);
    return { ...stored, etag: JSON.stringify(md5.trim()), 'last-modified': info.mtime.toUTCString(), 'content-length': String(info.size) };
  }

  async getBucket(bucket: string): Promise<S3BucketInfo | null> {
    try {
      const info = await stat(this.getBucketPath(bucket));
      return info.isDirectory() ? { name: bucket, creationDate: info.birthtime } : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async putBucket(bucket: string): Promise<S3BucketInfo | null> {
    await mkdir(this.getBucketPath(bucket), { recursive: true, mode: 0o755 });
    return this.getBucket(bucket);
  }

  async deleteBucket(bucket: string): Promise<void> {
    await rm(this.getBucketPath(bucket), { recursive: true, force: true });
  }

  async existsObject(bucket: string, key: string): Promise<boolean> {
    try {
      await stat(this.getResourcePath(bucket, key, 'object'));
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /** An upload's folder holds its key and request headers until it is completed or aborted. */
  async initiateUpload(bucket: string, key: string, uploadId: string, metadata: Readonly<Record<string, unknown>>): Promise<void> {
    const dir = path.join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId);
    await mkdir(dir, { recursive: true });
    await Promise.all([writeFile(path.join(dir, 'key'), key), writeFile(path.join(dir, 'metadata'), JSON.stringify(metadata))]);
  }

  /** A stored configuration (`tagging`, `cors`) of a bucket (key undefined) or object, as XML; null when none. */
  async getSubresource(bucket: string, key: string | undefined, type: string): Promise<string | null> {
    try {
      return await readFile(this.getResourcePath(bucket, key, `${type}.xml`), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async putSubresource(bucket: string, key: string | undefined, type: string, xml: string): Promise<void> {
    await writeFileAtomic(this.getResourcePath(bucket, key, `${type}.xml`), xml);
  }

  async deleteSubresource(bucket: string, key: string | undefined, type: string): Promise<void> {
    await unlink(this.getResourcePath(bucket, key, `${type}.xml`)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}
