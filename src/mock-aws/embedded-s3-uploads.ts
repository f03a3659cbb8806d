// ListMultipartUploads for the embedded S3 (s3rver answered NotImplemented), and the sweep of
// uploads a dead client left behind: without them, parts of a killed upload stayed on disk unseen.
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { noSuchBucket, s3Error } from './embedded-s3-error.js';
import type { MultipartRequest } from './embedded-s3-multipart.js';
import { first } from './embedded-s3-request.js';
import { isUploadId, isValidBucketName } from './embedded-s3-names.js';
import { OWNER, XMLNS } from './embedded-s3-response.js';
import { type EmbeddedS3Store, compareKeys } from './embedded-s3-store.js';

const MAX_UPLOADS = 1000;

interface PendingUpload {
  readonly key: string;
  readonly uploadId: string;
  readonly initiated: Date;
}

/**
 * Uploads in progress, as S3 lists them: by key (UTF-8 byte order), then by initiation; `prefix`,
 * `delimiter` (common prefixes), `key-marker` with `upload-id-marker`, `max-uploads`,
 * `encoding-type=url`.
 */
export async function listUploads(store: EmbeddedS3Store, bucket: string, query: MultipartRequest['query']): Promise<object> {
  if (!(await store.getBucket(bucket))) throw noSuchBucket(bucket);
  const prefix = first(query['prefix']) ?? '';
  const delimiter = first(query['delimiter']) ?? '';
  const keyMarker = first(query['key-marker']) ?? '';
  const uploadIdMarker = keyMarker === '' ? '' : (first(query['upload-id-marker']) ?? '');
  const maxUploads = parseMaxUploads(first(query['max-uploads']));
  const urlEncoded = first(query['encoding-type']) === 'url';
  const encode = (value: string): string => (urlEncoded ? encodeURIComponent(value).replace(/%2F/g, '/') : value);

  const all = (await pendingUploads(store, bucket)).sort(
    (a, b) => compareKeys(a.key, b.key) || a.initiated.getTime() - b.initiated.getTime() || a.uploadId.localeCompare(b.uploadId),
  );
  const markerIndex = uploadIdMarker === '' ? -1 : all.findIndex((upload) => upload.key === keyMarker && upload.uploadId === uploadIdMarker);
  const after = all.filter((upload, index) => {
    if (!upload.key.startsWith(prefix)) return false;
    const order = compareKeys(upload.key, keyMarker);
    if (keyMarker === '') return true;
    if (uploadIdMarker === '') return order > 0;
    // Within the marker's key, uploads after the marker's; an unknown marker id skips that key.
    return order > 0 || (order === 0 && markerIndex !== -1 && index > markerIndex);
  });

  const uploads: PendingUpload[] = [];
  const prefixes: string[] = [];
  let truncated = false;
  let last: { key: string; uploadId: string } | undefined;
  for (const upload of after) {
    const rest = upload.key.slice(prefix.length);
    const cut = delimiter ? rest.indexOf(delimiter) : -1;
    const common = cut === -1 ? undefined : upload.key.slice(0, prefix.length + cut + delimiter.length);
    if (common !== undefined && prefixes.at(-1) === common) continue;
    if (uploads.length + prefixes.length >= maxUploads) {
      truncated = true;
      break;
    }
    if (common !== undefined) {
      prefixes.push(common);
      last = { key: common, uploadId: '' };
    } else {
      uploads.push(upload);
      last = { key: upload.key, uploadId: upload.uploadId };
    }
  }
  return {
    ListMultipartUploadsResult: {
      '@': { xmlns: XMLNS },
      Bucket: bucket,
      KeyMarker: encode(keyMarker),
      UploadIdMarker: uploadIdMarker,
      ...(truncated && last ? { NextKeyMarker: encode(last.key), NextUploadIdMarker: last.uploadId } : {}),
      ...(delimiter ? { Delimiter: encode(delimiter) } : {}),
      Prefix: encode(prefix),
      MaxUploads: maxUploads,
      ...(urlEncoded ? { EncodingType: 'url' } : {}),
      IsTruncated: truncated,
      Upload: uploads.map((upload) => ({
        Key: encode(upload.key),
        UploadId: upload.uploadId,
        Initiator: OWNER,
        Owner: OWNER,
        StorageClass: 'STANDARD',
        Initiated: upload.initiated.toISOString(),
      })),
      CommonPrefixes: prefixes.map((common) => ({ Prefix: encode(common) })),
    },
  };
}

function parseMaxUploads(raw: string | undefined): number {
  if (raw === undefined || raw === '') return MAX_UPLOADS;
  if (!/^\d{1,10}$/.test(raw)) {
    throw s3Error('InvalidArgument', 'Provided max-uploads not an integer or within integer range', { ArgumentName: 'max-uploads', ArgumentValue: raw.slice(0, 100) });
  }
  return Math.min(MAX_UPLOADS, Number(raw));
}

/** The uploads of a bucket; a folder without its `key` file (being created or removed) is skipped. */
async function pendingUploads(store: EmbeddedS3Store, bucket: string): Promise<PendingUpload[]> {
  const root = store.getResourcePath(bucket, undefined, 'uploads');
  const ids = (await readdir(root).catch(() => [] as string[])).filter(isUploadId);
  const found = await Promise.all(
    ids.map(async (uploadId) => {
      const file = path.join(root, uploadId, 'key');
      const [key, info] = await Promise.all([readFile(file, 'utf8').catch(() => undefined), stat(file).catch(() => undefined)]);
      return key === undefined || info === undefined ? undefined : { key, uploadId, initiated: info.mtime };
    }),
  );
  return found.filter((upload) => upload !== undefined);
}

/**
 * Removes every upload started before `olderThan` in every bucket (S3's lifecycle rule
 * AbortIncompleteMultipartUpload, applied by the emulator itself). Returns how many it removed.
 */
export async function sweepStaleUploads(store: EmbeddedS3Store, olderThan: Date): Promise<number> {
  const buckets = (await readdir(store.rootDirectory).catch(() => [] as string[])).filter(isValidBucketName);
  let removed = 0;
  for (const bucket of buckets) {
    const root = store.getResourcePath(bucket, undefined, 'uploads');
    for (const uploadId of (await readdir(root).catch(() => [] as string[])).filter(isUploadId)) {
      const folder = path.join(root, uploadId);
      // The key file dates the upload; a folder without one is dated by the folder itself.
      const info = (await stat(path.join(folder, 'key')).catch(() => undefined)) ?? (await stat(folder).catch(() => undefined));
      if (info === undefined || info.mtime >= olderThan) continue;
      await rm(folder, { recursive: true, force: true, maxRetries: 5 });
      removed++;
    }
  }
  return removed;
}
