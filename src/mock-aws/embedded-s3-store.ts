// The embedded S3's file store: its files (embedded-s3-file-store.ts) with what sagesim relies on
// (atomic, fully flushed writes that leave nothing behind when they fail; listings in key order so pagination never skips a key) and a
// key-to-path mapping that cannot leave the store for any name (embedded-s3-key-path.ts).
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { type FileHandle, copyFile, mkdir, open, readFile, readdir, rename, rm, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { noSuchUpload, s3Error } from './embedded-s3-error.js';
import { EmbeddedS3FileStore, type S3BucketInfo } from './embedded-s3-file-store.js';
import { keyToPathParts } from './embedded-s3-key-path.js';
import { collectKeys } from './embedded-s3-key-walk.js';
import { type S3Address, invalidBucketName, isUploadId, isValidBucketName } from './embedded-s3-names.js';
import { S3StoredObject, storedMetadata } from './embedded-s3-object.js';

export interface ListObjectsOptions {
  readonly delimiter?: string;
  readonly startAfter?: string;
  readonly prefix?: string;
  readonly maxKeys?: number;
}

/** S3's minimum size of every part of a multipart upload but the last. */
const MIN_PART_SIZE = 5 * 1024 * 1024;
/** Bigger than the 16 KiB default: far fewer syscalls when a 1 GiB input is staged. */
const WRITE_HIGH_WATER_MARK = 1024 * 1024;
export const READ_HIGH_WATER_MARK = 1024 * 1024;

/** Test seams: each may throw to stand for a failing disk (ENOSPC, EIO) at that point. */
export interface EmbeddedS3StoreHooks {
  /** Called once an object's or part's bytes are in their temporary file, before it is renamed into place. */
  readonly beforeCommit?: (temporaryFile: string) => Promise<void> | void;
}

export class EmbeddedS3Store extends EmbeddedS3FileStore {
  constructor(
    rootDirectory: string,
    private readonly hooks: EmbeddedS3StoreHooks = {},
  ) {
    super(rootDirectory);
  }

  /** Every path of the store goes through these two: a bucket is one folder of a valid name. */
  override getBucketPath(bucket: string): string {
    if (!isValidBucketName(bucket)) throw invalidBucketName(bucket);
    return inside(this.rootDirectory, path.join(this.rootDirectory, bucket));
  }

  /** `<bucket>/<encoded key folders>/<encoded last segment>._S3rver_<resource>`; `uploads` for key ''. */
  override getResourcePath(bucket: string, key: string | undefined, resource: string): string {
    const parts = keyToPathParts(key ?? '');
    const name = `${parts.pop() ?? ''}._S3rver_${resource}`;
    const bucketPath = this.getBucketPath(bucket);
    return inside(bucketPath, path.join(bucketPath, ...parts, name));
  }

  /** Only folders with a bucket's name are buckets (the store keeps its own files beside them). */
  async listBuckets(): Promise<S3BucketInfo[]> {
    const names = (await readdir(this.rootDirectory)).filter(isValidBucketName);
    return (await Promise.all(names.map((name) => this.getBucket(name)))).filter((bucket) => bucket !== null);
  }

  /** Removes the object's files and the encoded key folders it leaves empty. */
  async deleteObject(bucket: string, key: string): Promise<void> {
    const objectPath = this.getResourcePath(bucket, key, 'object');
    await Promise.all(
      [objectPath, `${objectPath}.md5`, this.getResourcePath(bucket, key, 'metadata.json'), this.getResourcePath(bucket, key, 'tagging.xml')].map((file) =>
        unlink(file).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        }),
      ),
    );
    // Remove the folders the key leaves empty, up to (not including) the bucket.
    const bucketPath = this.getBucketPath(bucket);
    for (let folder = path.dirname(objectPath); folder !== bucketPath && folder.startsWith(bucketPath); folder = path.dirname(folder)) {
      try {
        await rmdir(folder);
      } catch {
        break; // not empty (or already gone, or another write just used it)
      }
    }
  }

  /**
   * Writes the object to temporary files (its bytes, ETag and headers), waits for them to be
   * flushed, then renames them into place: a GET never reads a truncated object, and a write
   * that fails (a full disk) leaves the previous object whole and no temporary file behind.
   * `expectedMd5` (hex, from Content-MD5) refuses a body that does not hash to it (BadDigest).
   */
  async putObject(object: S3StoredObject, expectedMd5?: string): Promise<{ size: number; md5: string }> {
    const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
    await mkdir(path.dirname(objectPath), { recursive: true });
    const temporaries: string[] = [];
    try {
      const body = temporaryPath(objectPath);
      temporaries.push(body);
      const { size, md5 } = await writeHashed(object.content ?? Buffer.alloc(0), body);
      if (expectedMd5 !== undefined && md5 !== expectedMd5) {
        throw s3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.', {
          ExpectedDigest: Buffer.from(expectedMd5, 'hex').toString('base64'),
          CalculatedDigest: Buffer.from(md5, 'hex').toString('base64'),
        });
      }
      await this.commitObject(object.bucket, object.key, body, md5, object.metadata, temporaries);
      return { size, md5 };
    } catch (error) {
      await removeAll(temporaries);
      throw error;
    }
  }

  /**
   * CopyObject: the source's bytes and ETag, with its headers or `replacementMetadata`
   * (MetadataDirective REPLACE), written as putObject writes. Returns the copy's metadata.
   */
  async copyObject(source: S3Address, target: S3Address, replacementMetadata?: Readonly<Record<string, unknown>>): Promise<Record<string, string>> {
    const sourceMetadata = await this.getMetadata(source.bucket, source.key);
    const sourcePath = this.getResourcePath(source.bucket, source.key, 'object');
    const targetPath = this.getResourcePath(target.bucket, target.key, 'object');
    await mkdir(path.dirname(targetPath), { recursive: true });
    const temporaries: string[] = [];
    try {
      const body = temporaryPath(targetPath);
      temporaries.push(body);
      await copyFile(sourcePath, body);
      const etag = (sourceMetadata['etag'] ?? '').replace(/"/g, '');
      await this.commitObject(target.bucket, target.key, body, etag, replacementMetadata ?? sourceMetadata, temporaries);
    } catch (error) {
      await removeAll(temporaries);
      throw error;
    }
    return this.getMetadata(target.bucket, target.key);
  }

  /** Writes the ETag and headers beside `body`, then renames the three into place, the bytes last. */
  private async commitObject(
    bucket: string,
    key: string,
    body: string,
    etag: string,
    metadata: Readonly<Record<string, unknown>>,
    temporaries: string[],
  ): Promise<void> {
    const md5Path = this.getResourcePath(bucket, key, 'object.md5');
    const metadataPath = this.getResourcePath(bucket, key, 'metadata.json');
    const md5Temporary = temporaryPath(md5Path);
    const metadataTemporary = temporaryPath(metadataPath);
    temporaries.push(md5Temporary, metadataTemporary);
    await writeFile(md5Temporary, etag);
    await writeFile(metadataTemporary, JSON.stringify(storedMetadata(metadata), null, 2));
    await this.hooks.beforeCommit?.(body);
    await rename(md5Temporary, md5Path);
    await rename(metadataTemporary, metadataPath);
    await rename(body, this.getResourcePath(bucket, key, 'object'));
  }

  /** Same flushing fix for multipart parts: CompleteMultipartUpload must see every byte. */
  async putPart(bucket: string, uploadId: string, partNumber: number | string, content: Readable): Promise<{ size: number; md5: string }> {
    // Checked at the HTTP boundary too (embedded-s3-names.ts); never a path from anything else.
    if (!isUploadId(uploadId)) throw noSuchUpload(uploadId);
    if (!/^\d{1,5}$/.test(String(partNumber))) throw s3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive');
    const partPath = path.join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(Number(partNumber)));
    // The upload's folder exists from CreateMultipartUpload until it is completed or aborted. Not
    // recreating it keeps a part still arriving after an abort from bringing the upload back.
    const folder = await stat(path.dirname(partPath)).catch(() => undefined);
    if (!folder?.isDirectory()) throw noSuchUpload(uploadId);
    const temporary = temporaryPath(partPath);
    try {
      const result = await writeHashed(content, temporary);
      await this.hooks.beforeCommit?.(temporary);
      await rename(temporary, partPath);
      await writeFile(`${partPath}.md5`, result.md5);
      return result;
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  /**
   * CompleteMultipartUpload as S3 does it, in place of s3rver's (which checked nothing and hashed
   * the whole object again): parts in ascending order (InvalidPartOrder), each uploaded with the
   * ETag given (InvalidPart), all but the last at least 5 MiB (EntityTooSmall); the object's ETag
   * is S3's multipart one, the MD5 of the parts' MD5s and the part count (`"<hex>-<n>"`). The parts
   * stay until the object is in place, so a failed completion can be sent again.
   */
  async putObjectMultipart(
    bucket: string,
    uploadId: string,
    parts: readonly { number: number; etag: string }[],
  ): Promise<{ size: number; md5: string; headers: Record<string, string> }> {
    if (!isUploadId(uploadId)) throw noSuchUpload(uploadId);
    const dir = path.join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId);
    const [key, headers] = await Promise.all([
      readFile(path.join(dir, 'key'), 'utf8'),
      readFile(path.join(dir, 'metadata'), 'utf8').then((text) => JSON.parse(text) as Record<string, string>),
    ]).catch(() => {
      throw noSuchUpload(uploadId);
    });
    if (parts.length === 0) throw s3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
    parts.forEach((part, index) => {
      if (index > 0 && part.number <= (parts[index - 1] as { number: number }).number) {
        throw s3Error('InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.', { UploadId: uploadId });
      }
    });
    const found = await Promise.all(
      parts.map(async (part) => {
        const file = path.join(dir, String(part.number));
        const [md5, info] = await Promise.all([readFile(`${file}.md5`, 'utf8').catch(() => undefined), stat(file).catch(() => undefined)]);
        if (md5 === undefined || info === undefined || md5.trim() !== part.etag) {
          throw s3Error(
            'InvalidPart',
            "One or more of the specified parts could not be found. The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
            { UploadId: uploadId, PartNumber: String(part.number), ETag: part.etag },
          );
        }
        return { file, md5: md5.trim(), size: info.size };
      }),
    );
    found.slice(0, -1).forEach((part, index) => {
      if (part.size < MIN_PART_SIZE) {
        throw s3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.', {
          ProposedSize: String(part.size),
          MinSizeAllowed: String(MIN_PART_SIZE),
          PartNumber: String((parts[index] as { number: number }).number),
        });
      }
    });

    const objectPath = this.getResourcePath(bucket, key, 'object');
    await mkdir(path.dirname(objectPath), { recursive: true });
    const temporary = temporaryPath(objectPath);
    const temporaries = [temporary];
    try {
      // The first part by the kernel's copy; the others appended through one write stream.
      await copyFile((found[0] as { file: string }).file, temporary);
      if (found.length > 1) {
        const out = createWriteStream(temporary, { flags: 'a', highWaterMark: WRITE_HIGH_WATER_MARK });
        await pipeline(async function* () {
          for (const part of found.slice(1)) yield* createReadStream(part.file, { highWaterMark: READ_HIGH_WATER_MARK });
        }, out);
      }
      const digest = createHash('md5');
      for (const part of found) digest.update(Buffer.from(part.md5, 'hex'));
      const etag = `${digest.digest('hex')}-${found.length}`;
      const { metadata } = new S3StoredObject(bucket, key, null, headers);
      await this.commitObject(bucket, key, temporary, etag, metadata, temporaries);
      await rm(dir, { recursive: true, force: true });
      return { size: found.reduce((sum, part) => sum + part.size, 0), md5: etag, headers };
    } catch (error) {
      await removeAll(temporaries);
      throw error;
    }
  }

  /** The object, its body sent without per-chunk garbage (ObjectFileReadable, opened on first read); null when absent. */
  async getObject(bucket: string, key: string): Promise<S3StoredObject | null> {
    let metadata: Record<string, string>;
    try {
      metadata = await this.getMetadata(bucket, key);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    const object = new S3StoredObject(bucket, key, null, metadata);
    object.content = this.objectBody(object, 0, object.size - 1);
    return object;
  }

  /** Bytes `start..end` (inclusive) of an object got from getObject, for a ranged GET. */
  objectBody(object: S3StoredObject, start: number, end: number): ObjectFileReadable {
    return new ObjectFileReadable(this.getResourcePath(object.bucket, object.key, 'object'), object.size, start, end);
  }

  /**
   * s3rver walks directories in file-name order, which differs from key order (`a._S3rver_object`
   * sorts after `a-b._S3rver_object`), so a paginated listing could skip keys. List the matching
   * keys, sort them as S3 does (by UTF-8 bytes), then page. `lastEntry` is the last key or common
   * prefix returned, where the next page starts after.
   */
  async listObjects(
    bucket: string,
    options: ListObjectsOptions,
  ): Promise<{ objects: S3StoredObject[]; commonPrefixes: string[]; isTruncated: boolean; lastEntry?: string }> {
    const { delimiter = '', startAfter = '', prefix = '', maxKeys = Infinity } = options;
    const bucketPath = this.getBucketPath(bucket);
    // A page that ended on a common prefix resumes after every key that rolls up into it.
    const afterPrefix = delimiter !== '' && startAfter.endsWith(delimiter) && startAfter.startsWith(prefix);
    const keys = (await collectKeys(bucketPath, prefix))
      .filter((key) => key.startsWith(prefix) && compareKeys(key, startAfter) > 0 && !(afterPrefix && key.startsWith(startAfter)))
      .sort(compareKeys);

    const commonPrefixes: string[] = [];
    const selected: string[] = [];
    let isTruncated = false;
    let lastEntry: string | undefined;
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
      lastEntry = entry;
    }

    const objects = await Promise.all(
      selected.map(async (key) => {
        try {
          return new S3StoredObject(bucket, key, null, await this.getMetadata(bucket, key));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // deleted meanwhile
          throw error;
        }
      }),
    );
    return { objects: objects.filter((object) => object !== undefined), commonPrefixes, isTruncated, lastEntry };
  }
}

/** S3 orders keys by their UTF-8 bytes, not by UTF-16 code units. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** `target`, after checking it is below `root` (a last guard: names are checked before). */
function inside(root: string, target: string): string {
  const resolved = path.resolve(target);
  if (!resolved.startsWith(path.resolve(root) + path.sep)) throw s3Error('InvalidArgument', 'The name does not map to a place in the store.');
  return resolved;
}

async function removeAll(files: readonly string[]): Promise<void> {
  await Promise.all(files.map((file) => rm(file, { force: true })));
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

const SEND_CHUNK = 256 * 1024;
const SEND_BUFFERS = 4;

/**
 * An object's bytes `start..end` (inclusive). Read as a stream it works like fs.createReadStream;
 * `sendTo` instead writes them to an HTTP response through four reused buffers. A stream
 * allocates a new buffer per read, and that garbage (a GiB per GiB served) makes V8 run a full
 * collection every few dozen MiB, which costs more CPU than the copy itself. The file is opened
 * on first use (a 304 or HEAD answer never opens it) and must still have the size the headers
 * announced: an object replaced in between fails the response rather than mixing versions.
 */
export class ObjectFileReadable extends Readable {
  private position: number;
  private sending = false;
  private handle: FileHandle | undefined;

  constructor(
    private readonly file: string,
    private readonly size: number,
    start: number,
    private readonly end: number,
  ) {
    super({ highWaterMark: READ_HIGH_WATER_MARK });
    this.position = start;
  }

  private async opened(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    const handle = await open(this.file, 'r');
    if (this.destroyed) {
      await handle.close();
      throw new Error('object body destroyed');
    }
    this.handle = handle;
    if ((await handle.stat()).size !== this.size) throw new Error('the object was replaced while being read');
    return handle;
  }

  override _read(size: number): void {
    const length = Math.min(size, this.end - this.position + 1);
    if (length <= 0) {
      this.push(null);
      return;
    }
    const buffer = Buffer.allocUnsafe(length);
    this.opened()
      .then((handle) => handle.read(buffer, 0, length, this.position))
      .then(
        ({ bytesRead }) => {
          if (bytesRead === 0) return this.destroy(new Error('object file is shorter than its metadata says'));
          this.position += bytesRead;
          this.push(bytesRead === length ? buffer : buffer.subarray(0, bytesRead));
        },
        (error: Error) => this.destroy(error),
      );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.handle) return callback(error);
    this.handle.close().then(
      () => callback(error),
      (closeError: Error) => callback(error ?? closeError),
    );
  }

  /** Writes the bytes to `res` and ends it; a buffer is read into again only once the socket took it. */
  async sendTo(res: ServerResponse): Promise<void> {
    if (this.sending || this.readableDidRead) throw new Error('object body already consumed');
    this.sending = true;
    const closed = new Promise<never>((_, reject) => {
      res.once('close', () => reject(new Error('client closed the connection')));
    });
    closed.catch(() => undefined);
    try {
      const handle = await this.opened();
      const buffers = Array.from({ length: SEND_BUFFERS }, () => Buffer.allocUnsafeSlow(SEND_CHUNK));
      const written: (Promise<void> | undefined)[] = [];
      for (let slot = 0; this.position <= this.end; slot = (slot + 1) % SEND_BUFFERS) {
        if (written[slot]) await Promise.race([written[slot], closed]);
        const buffer = buffers[slot] as Buffer;
        const { bytesRead } = await handle.read(buffer, 0, Math.min(SEND_CHUNK, this.end - this.position + 1), this.position);
        if (bytesRead === 0) throw new Error('object file is shorter than its metadata says');
        this.position += bytesRead;
        const chunk = buffer.subarray(0, bytesRead);
        const write = new Promise<void>((resolve, reject) => res.write(chunk, (error) => (error ? reject(error) : resolve())));
        // Once the client is gone, pending writes fail after nobody awaits them any more.
        write.catch(() => undefined);
        written[slot] = write;
      }
      await Promise.race([Promise.all(written), closed]);
      await Promise.race([new Promise<void>((resolve) => res.end(resolve)), closed.catch(() => undefined)]);
    } catch (error) {
      res.destroy(error as Error);
    } finally {
      this.destroy();
    }
  }
}
