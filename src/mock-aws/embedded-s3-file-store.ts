// The embedded S3's files: buckets as folders, each object as `<name>._S3rver_object` beside its
// `._S3rver_metadata.json` and `._S3rver_object.md5` (the layout homes written by earlier
// versions hold, kept so they keep working). Paths come from EmbeddedS3Store's name mapping.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { storedMetadata } from './embedded-s3-object.js';

export interface S3BucketInfo {
  readonly name: string;
  readonly creationDate: Date;
}

/** Turns a stored bucket or object configuration (tagging, CORS, website XML) into its model. */
export type SubresourceParser = (type: string, xml: string) => unknown;

/** A subresource as the HTTP layer hands it to be stored. */
export interface Subresource {
  readonly type: string;
  toXML(indent?: number): string;
}

export abstract class EmbeddedS3FileStore {
  constructor(
    readonly rootDirectory: string,
    private readonly parseSubresource?: SubresourceParser,
  ) {}

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

  async putMetadata(bucket: string, key: string, metadata: Readonly<Record<string, unknown>>, md5?: string): Promise<void> {
    if (md5) await writeFile(this.getResourcePath(bucket, key, 'object.md5'), md5);
    await writeFile(this.getResourcePath(bucket, key, 'metadata.json'), JSON.stringify(storedMetadata(metadata), null, 2));
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

  /** CopyObject: the bytes, then the source's headers or `replacementMetadata` (MetadataDirective REPLACE). */
  async copyObject(
    srcBucket: string,
    srcKey: string,
    destBucket: string,
    destKey: string,
    replacementMetadata?: Readonly<Record<string, unknown>>,
  ): Promise<Record<string, string>> {
    const source = this.getResourcePath(srcBucket, srcKey, 'object');
    const target = this.getResourcePath(destBucket, destKey, 'object');
    if (source !== target) {
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(source, target);
    }
    if (replacementMetadata) await this.putMetadata(destBucket, destKey, replacementMetadata);
    if (source !== target) {
      await Promise.all(
        (replacementMetadata ? ['object.md5'] : ['metadata.json', 'object.md5']).map((resource) =>
          copyFile(this.getResourcePath(srcBucket, srcKey, resource), this.getResourcePath(destBucket, destKey, resource)).catch(
            (error: NodeJS.ErrnoException) => {
              if (error.code !== 'ENOENT') throw error;
            },
          ),
        ),
      );
    }
    return this.getMetadata(destBucket, destKey);
  }

  /** An upload's folder holds its key and request headers until it is completed or aborted. */
  async initiateUpload(bucket: string, key: string, uploadId: string, metadata: Readonly<Record<string, unknown>>): Promise<void> {
    const dir = path.join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId);
    await mkdir(dir, { recursive: true });
    await Promise.all([writeFile(path.join(dir, 'key'), key), writeFile(path.join(dir, 'metadata'), JSON.stringify(metadata))]);
  }

  async getSubresource(bucket: string, key: string | undefined, type: string): Promise<unknown> {
    if (!this.parseSubresource) return null;
    try {
      return this.parseSubresource(type, await readFile(this.getResourcePath(bucket, key, `${type}.xml`), 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async putSubresource(bucket: string, key: string | undefined, resource: Subresource): Promise<void> {
    await writeFile(this.getResourcePath(bucket, key, `${resource.type}.xml`), resource.toXML(2));
  }

  async deleteSubresource(bucket: string, key: string | undefined, type: string): Promise<void> {
    await unlink(this.getResourcePath(bucket, key, `${type}.xml`)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}
