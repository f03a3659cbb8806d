// An object of the embedded S3 as its store hands it out: name, body and the headers kept with
// it. Which headers are kept is S3's rule (Content-*, Cache-Control, Expires, x-amz-meta-*...).
import type { Readable } from 'node:stream';
import { s3Error } from './embedded-s3-error.js';

/** Request headers an object keeps and answers with again on GET and HEAD. */
export const STORED_HEADERS: readonly string[] = [
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'content-type',
  'expires',
  'x-amz-storage-class',
  'x-amz-website-redirect-location',
];

const STORAGE_CLASSES = ['STANDARD', 'REDUCED_REDUNDANCY', 'STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER', 'DEEP_ARCHIVE', 'OUTPOSTS'];

/** What of `headers` an object keeps: the stored headers and every `x-amz-meta-*`. */
export function storedMetadata(headers: Readonly<Record<string, unknown>>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string' && typeof value !== 'number') continue;
    if (STORED_HEADERS.includes(name) || name.startsWith('x-amz-meta-')) kept[name] = String(value);
  }
  return kept;
}

export class S3StoredObject {
  /** The stored headers plus `etag`, `last-modified` and `content-length`; a content type always. */
  readonly metadata: Record<string, string>;
  /** The bytes served, when a Range was asked for. */
  range?: { start: number; end: number };

  constructor(
    readonly bucket: string,
    readonly key: string,
    public content: Readable | Buffer | null,
    metadata: Readonly<Record<string, unknown>>,
  ) {
    const storageClass = metadata['x-amz-storage-class'];
    if (storageClass !== undefined && !STORAGE_CLASSES.includes(String(storageClass))) {
      throw s3Error('InvalidStorageClass', 'The storage class you specified is not valid');
    }
    this.metadata = storedMetadata(metadata);
    for (const name of ['last-modified', 'etag', 'content-length']) {
      const value = metadata[name];
      if (typeof value === 'string' || typeof value === 'number') this.metadata[name] = String(value);
    }
    this.metadata['content-type'] ||= 'binary/octet-stream';
  }

  get size(): number {
    return Number(this.metadata['content-length']);
  }

  get lastModifiedDate(): Date {
    return new Date(this.metadata['last-modified'] ?? 0);
  }
}
