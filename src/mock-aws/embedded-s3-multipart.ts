// Multipart uploads of the embedded S3: Create, UploadPart, Complete, Abort and ListParts
// (ListMultipartUploads is in embedded-s3-uploads.ts). Abort matters most: @aws-sdk/lib-storage (and
// boto3's transfer manager) abort an upload that failed or was stopped, and without it the
// abort's error hid the real one and the parts stayed on disk.
import { randomBytes } from 'node:crypto';
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { noSuchBucket, noSuchUpload } from './embedded-s3-error.js';
import { checkPartNumber, isUploadId } from './embedded-s3-names.js';
import { type S3Request, first, readXmlBody } from './embedded-s3-request.js';
import { XMLNS, sendEmpty, sendXml } from './embedded-s3-response.js';
import type { EmbeddedS3Store } from './embedded-s3-store.js';
import { putTagsFromHeader } from './embedded-s3-tagging.js';
import { childText, childrenNamed, malformedXml } from './embedded-s3-xml.js';

const MAX_PARTS = 1000;

export interface MultipartRequest {
  readonly query: Readonly<Record<string, string | string[] | undefined>>;
}

export interface UploadAddress {
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
}

/** Removes an upload's parts, as S3 does; the upload id is then unknown (NoSuchUpload). */
export async function abortUpload(store: EmbeddedS3Store, upload: UploadAddress): Promise<void> {
  // A part still being written may add a file while the folder is emptied: retry ENOTEMPTY.
  await rm(await uploadDir(store, upload), { recursive: true, force: true, maxRetries: 5 });
}

/** The ListPartsResult of an upload. */
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

/** CreateMultipartUpload: a new upload id (16 random bytes in hex, the form s3rver used). */
export async function createUpload(store: EmbeddedS3Store, request: S3Request): Promise<void> {
  const { bucket, key } = request.address;
  const uploadId = randomBytes(16).toString('hex');
  await store.initiateUpload(bucket, key, uploadId, request.headers);
  sendXml(request.res, { InitiateMultipartUploadResult: { '@': { xmlns: XMLNS }, Bucket: bucket, Key: key, UploadId: uploadId } });
}

/** UploadPart (part number and upload id were checked with the request). */
export async function uploadPart(store: EmbeddedS3Store, request: S3Request): Promise<void> {
  const uploadId = first(request.query['uploadId']) ?? '';
  if (!(await store.getBucket(request.address.bucket))) throw noSuchBucket(request.address.bucket);
  const { md5 } = await store.putPart(request.address.bucket, uploadId, checkPartNumber(first(request.query['partNumber']) ?? ''), request.body);
  request.res.setHeader('ETag', JSON.stringify(md5));
  sendEmpty(request.res);
}

/** CompleteMultipartUpload: the `<CompleteMultipartUpload><Part>` list, checked by the store as S3 checks it. */
export async function completeUpload(store: EmbeddedS3Store, request: S3Request): Promise<void> {
  const { bucket, key } = request.address;
  const uploadId = first(request.query['uploadId']) ?? '';
  if (!(await store.getBucket(bucket))) throw noSuchBucket(bucket);
  const root = await readXmlBody(request);
  const parts = (root.name === 'CompleteMultipartUpload' ? childrenNamed(root, 'Part') : []).map((part) => {
    const number = childText(part, 'PartNumber')?.trim() ?? '';
    const etag = childText(part, 'ETag');
    if (!/^\d{1,5}$/.test(number) || etag === undefined) throw malformedXml();
    // S3 compares ETags without their double quotes.
    return { number: Number(number), etag: etag.trim().replace(/"/g, '') };
  });
  await uploadDir(store, { bucket, key, uploadId });
  const { md5, headers } = await store.putObjectMultipart(bucket, uploadId, parts);
  // The tags CreateMultipartUpload was given (none clears those of the object replaced).
  await putTagsFromHeader(store, bucket, key, headers['x-amz-tagging']);
  const host = request.headers.host ?? '127.0.0.1';
  sendXml(request.res, {
    CompleteMultipartUploadResult: {
      '@': { xmlns: XMLNS },
      Location: `http://${host}/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
      Bucket: bucket,
      Key: key,
      ETag: JSON.stringify(md5),
    },
  });
}
