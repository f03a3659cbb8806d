// AbortMultipartUpload, ListParts and ListMultipartUploads for the embedded S3; s3rver answers
// them with MethodNotAllowed or NotImplemented. Abort matters most: @aws-sdk/lib-storage (and
// boto3's transfer manager) abort an upload that failed or was stopped, and without it the
// abort's error hid the real one and the parts stayed on disk.
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { noSuchBucket, noSuchUpload } from './embedded-s3-error.js';
import { type S3Address, isUploadId } from './embedded-s3-names.js';
import type { EmbeddedS3Store } from './embedded-s3-store.js';

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const MAX_PARTS = 1000;

export interface MultipartRequest {
  readonly method: string;
  readonly query: Readonly<Record<string, string | string[] | undefined>>;
}

export interface UploadAddress {
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
}

/** The upload a DELETE (abort) or GET (list parts) of `/<bucket>/<key>?uploadId=...` is for. */
export function uploadRequest(request: MultipartRequest, address: S3Address): UploadAddress | undefined {
  if (request.method !== 'DELETE' && request.method !== 'GET') return undefined;
  const uploadId = first(request.query['uploadId']);
  if (uploadId === undefined || address.bucket === '' || address.key === '') return undefined;
  return { bucket: address.bucket, key: address.key, uploadId };
}

/** Removes an upload's parts, as S3 does; the upload id is then unknown (NoSuchUpload). */
export async function abortUpload(store: EmbeddedS3Store, upload: UploadAddress): Promise<void> {
  // A part still being written may add a file while the folder is emptied: retry ENOTEMPTY.
  await rm(await uploadDir(store, upload), { recursive: true, force: true, maxRetries: 5 });
}

/** The ListPartsResult of an upload (the body s3rver's XML middleware serializes). */
export async function listParts(store: EmbeddedS3Store, upload: UploadAddress, query: MultipartRequest['query']): Promise<object> {
  const dir = await uploadDir(store, upload);
  const marker = Number(first(query['part-number-marker']) ?? 0) || 0;
  const maxParts = Math.min(MAX_PARTS, Number(first(query['max-parts']) ?? MAX_PARTS) || MAX_PARTS);
  const numbers = (await readdir(dir))
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((number) => number > marker)
    .sort((a, b) => a - b);
  const page = numbers.slice(0, maxParts);
  const parts = await Promise.all(
    page.map(async (number) => {
      const file = path.join(dir, String(number));
      const [info, md5] = await Promise.all([stat(file), readFile(`${file}.md5`, 'utf8').catch(() => '')]);
      return { PartNumber: number, LastModified: info.mtime.toISOString(), ETag: JSON.stringify(md5.trim()), Size: info.size };
    }),
  );
  const truncated = numbers.length > page.length;
  return {
    ListPartsResult: {
      '@': { xmlns: XMLNS },
      Bucket: upload.bucket,
      Key: upload.key,
      UploadId: upload.uploadId,
      PartNumberMarker: marker,
      ...(truncated ? { NextPartNumberMarker: page[page.length - 1] } : {}),
      MaxParts: maxParts,
      IsTruncated: truncated,
      StorageClass: 'STANDARD',
      Part: parts,
    },
  };
}

/** The folder of an upload of this key, or NoSuchUpload as S3 answers (and NoSuchBucket first). */
async function uploadDir(store: EmbeddedS3Store, upload: UploadAddress): Promise<string> {
  if (!(await store.getBucket(upload.bucket))) throw noSuchBucket(upload.bucket);
  if (!isUploadId(upload.uploadId)) throw noSuchUpload(upload.uploadId);
  const dir = path.join(store.getResourcePath(upload.bucket, undefined, 'uploads'), upload.uploadId);
  const key = await readFile(path.join(dir, 'key'), 'utf8').catch(() => undefined);
  if (key !== upload.key) throw noSuchUpload(upload.uploadId);
  return dir;
}

export function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
