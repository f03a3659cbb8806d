// The embedded S3's file store: s3rver's FilesystemStore with the fixes sagesim relies on
// (atomic, fully flushed writes; listings in key order so pagination never skips a key).
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const require = createRequire(import.meta.url);

/** The parts of s3rver's S3Object model the store touches. */
interface S3rverObject {
  readonly bucket: string;
  readonly key: string;
  readonly content: Readable | Buffer | null;
  readonly metadata: Record<string, string>;
}

/** The parts of s3rver's FilesystemStore sagesim overrides or calls. */
interface FilesystemStoreBase {
  readonly rootDirectory: string;
  getBucketPath(bucket: string): string;
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  getMetadata(bucket: string, key: string): Promise<Record<string, string>>;
  putMetadata(bucket: string, key: string, metadata: Record<string, string>, md5?: string): Promise<void>;
  getBucket(bucket: string): Promise<unknown>;
  putBucket(bucket: string): Promise<unknown>;
}

export interface ListObjectsOptions {
  readonly delimiter?: string;
  readonly startAfter?: string;
  readonly prefix?: string;
  readonly maxKeys?: number;
}

const FilesystemStore = require('s3rver/lib/stores/filesystem.js') as new (rootDirectory: string) => FilesystemStoreBase;
const S3Object = require('s3rver/lib/models/object.js') as new (
  bucket: string,
  key: string,
  content: null,
  metadata: Record<string, string>,
) => S3rverObject;

const OBJECT_SUFFIX = '._S3rver_object';
const UPLOADS_DIR = '._S3rver_uploads';
/** Bigger than the 16 KiB default: far fewer syscalls when a 1 GiB input is staged. */
const WRITE_HIGH_WATER_MARK = 1024 * 1024;
export const READ_HIGH_WATER_MARK = 1024 * 1024;

export class EmbeddedS3Store extends FilesystemStore {
  /**
   * s3rver answers a PUT before its write stream has flushed and writes in place, so a GET right
   * after a PUT (or during a re-upload) can read a truncated object. Write to a temporary file,
   * wait for it to be flushed, then rename it over the object.
   */
  async putObject(object: S3rverObject): Promise<{ size: number; md5: string }> {
    const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(path.dirname(objectPath), { recursive: true });
    const temporary = temporaryPath(objectPath);
    try {
      const { size, md5 } = await writeHashed(object.content ?? Buffer.alloc(0), temporary);
      await this.putMetadata(object.bucket, object.key, object.metadata, md5);
      await rename(temporary, objectPath);
      return { size, md5 };
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  /** Same flushing fix for multipart parts: CompleteMultipartUpload must see every byte. */
  async putPart(bucket: string, uploadId: string, partNumber: number | string, content: Readable): Promise<{ size: number; md5: string }> {
    const partPath = path.join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber));
    await mkdir(path.dirname(partPath), { recursive: true });
    const temporary = temporaryPath(partPath);
    try {
      const result = await writeHashed(content, temporary);
      await rename(temporary, partPath);
      await writeFile(`${partPath}.md5`, result.md5);
      return result;
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  /** Reads with a bigger buffer than s3rver's 64 KiB: GETs of large objects are the hot path of staging. */
  async getObject(bucket: string, key: string, options?: { start?: number; end?: number }): Promise<S3rverObject | null> {
    let metadata: Record<string, string>;
    try {
      metadata = await this.getMetadata(bucket, key);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    const size = Number(metadata['content-length']);
    const lastByte = Math.max(0, size - 1);
    const ranged = options !== undefined && (options.start !== undefined || options.end !== undefined);
    const range = { start: options?.start ?? 0, end: Math.min(options?.end ?? Infinity, lastByte) };
    const object = new S3Object(bucket, key, null, metadata) as S3rverObject & { range?: typeof range; content: unknown };
    if (ranged) object.range = range;
    // An unsatisfiable range: no content, s3rver's controller answers InvalidRange.
    if (range.start < 0 || range.end < range.start) return object;
    const stream = createReadStream(this.getResourcePath(bucket, key, 'object'), { ...range, highWaterMark: READ_HIGH_WATER_MARK });
    try {
      await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    object.content = stream;
    return object;
  }

  /**
   * s3rver walks directories in file-name order, which differs from key order (`a._S3rver_object`
   * sorts after `a-b._S3rver_object`), so a paginated listing could skip keys. List the matching
   * keys, sort them as S3 does (by UTF-8 bytes), then page.
   */
  async listObjects(
    bucket: string,
    options: ListObjectsOptions,
  ): Promise<{ objects: S3rverObject[]; commonPrefixes: string[]; isTruncated: boolean }> {
    const { delimiter = '', startAfter = '', prefix = '', maxKeys = Infinity } = options;
    const bucketPath = this.getBucketPath(bucket);
    const keys = (await collectKeys(bucketPath, prefix))
      .filter((key) => key.startsWith(prefix) && compareKeys(key, startAfter) > 0)
      .sort(compareKeys);

    const commonPrefixes: string[] = [];
    const selected: string[] = [];
    let isTruncated = false;
    for (const key of keys) {
      const rest = key.slice(prefix.length);
      const cut = delimiter ? rest.indexOf(delimiter) : -1;
      const entry = cut === -1 ? key : key.slice(0, prefix.length + cut + delimiter.length);
      const isPrefix = cut !== -1;
      if (isPrefix && commonPrefixes.at(-1) === entry) continue;
      if (selected.length + commonPrefixes.length >= maxKeys) {
        isTruncated = true;
        break;
      }
      if (isPrefix) commonPrefixes.push(entry);
      else selected.push(key);
    }

    const objects = await Promise.all(
      selected.map(async (key) => {
        try {
          return new S3Object(bucket, key, null, await this.getMetadata(bucket, key));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // deleted meanwhile
          throw error;
        }
      }),
    );
    return { objects: objects.filter((object) => object !== undefined), commonPrefixes, isTruncated };
  }
}

/** S3 orders keys by their UTF-8 bytes, not by UTF-16 code units. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Every key stored under the folder the prefix points into. */
async function collectKeys(bucketPath: string, prefix: string): Promise<string[]> {
  const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
  const keys: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(bucketPath, relative), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name === UPLOADS_DIR) continue;
        // Skip folders that cannot hold a key starting with the prefix.
        if (`${child}/`.startsWith(prefix) || prefix.startsWith(`${child}/`)) await walk(child);
      } else if (entry.name.endsWith(OBJECT_SUFFIX)) {
        keys.push(child.slice(0, -OBJECT_SUFFIX.length));
      }
    }
  };
  await walk(folder);
  return keys;
}

function temporaryPath(target: string): string {
  // Does not end in `._S3rver_object`, so listings never see it.
  return path.join(path.dirname(target), `.${path.basename(target)}.${randomUUID()}.partial`);
}

async function writeHashed(content: Readable | Buffer, file: string): Promise<{ size: number; md5: string }> {
  const hash = createHash('md5');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  const source = Buffer.isBuffer(content) ? [content] : content;
  await pipeline(source, meter, createWriteStream(file, { highWaterMark: WRITE_HIGH_WATER_MARK }));
  return { size, md5: hash.digest('hex') };
}
