// ListObjects (v1) and ListObjectsV2 for the embedded S3, in place of s3rver's: its continuation
// tokens use DES, which OpenSSL 3 (Node 17+) no longer offers, so every second page failed, and
// its next-page marker ignored common prefixes. Also honours `encoding-type=url` (boto3's default).
import { noSuchBucket, s3Error } from './embedded-s3-error.js';
import { XMLNS } from './embedded-s3-response.js';
import type { EmbeddedS3Store } from './embedded-s3-store.js';

const MAX_KEYS = 1000;

export interface ListRequest {
  readonly method: string;
  readonly query: Readonly<Record<string, string | string[] | undefined>>;
}

/** The ListBucketResult body, or undefined for HEAD (HeadBucket). */
export async function listBucket(store: EmbeddedS3Store, bucket: string, request: ListRequest): Promise<object | undefined> {
  if (!(await store.getBucket(bucket))) {
    throw noSuchBucket(bucket);
  }
  if (request.method === 'HEAD') return undefined; // HeadBucket: it exists, nothing to list.

  const query = (name: string): string | undefined => {
    const value = request.query[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const v2 = query('list-type') === '2';
  const prefix = query('prefix') ?? '';
  const delimiter = query('delimiter') ?? '';
  const maxKeys = parseMaxKeys(query('max-keys'));
  const urlEncoded = query('encoding-type') === 'url';
  const continuationToken = v2 ? query('continuation-token') : undefined;
  const startAfter = v2 ? (continuationToken !== undefined ? decodeToken(continuationToken) : (query('start-after') ?? '')) : (query('marker') ?? '');

  const result = await store.listObjects(bucket, { prefix, delimiter, startAfter, maxKeys });
  const encode = (value: string): string => (urlEncoded ? encodeURIComponent(value).replace(/%2F/g, '/') : value);
  const contents = result.objects.map((object) => ({
    Key: encode(object.key),
    LastModified: new Date(object.metadata['last-modified'] ?? 0).toISOString(),
    ETag: object.metadata['etag'],
    Size: Number(object.metadata['content-length']),
    StorageClass: 'STANDARD',
  }));
  const commonPrefixes = result.commonPrefixes.map((common) => ({ Prefix: encode(common) }));
  const next = result.isTruncated ? result.lastEntry : undefined;
  return {
    ListBucketResult: {
      '@': { xmlns: XMLNS },
      Name: bucket,
      Prefix: encode(prefix),
      ...(v2
        ? {
            ...(continuationToken !== undefined ? { ContinuationToken: continuationToken } : startAfter ? { StartAfter: encode(startAfter) } : {}),
            ...(next !== undefined ? { NextContinuationToken: encodeToken(next) } : {}),
            KeyCount: contents.length + commonPrefixes.length,
          }
        : { Marker: encode(startAfter), ...(next !== undefined ? { NextMarker: encode(next) } : {}) }),
      MaxKeys: maxKeys,
      ...(delimiter ? { Delimiter: encode(delimiter) } : {}),
      ...(urlEncoded ? { EncodingType: 'url' } : {}),
      IsTruncated: result.isTruncated,
      Contents: contents,
      CommonPrefixes: commonPrefixes,
    },
  };
}

function parseMaxKeys(raw: string | undefined): number {
  if (raw === undefined || raw === '') return MAX_KEYS;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > 2_147_483_647) {
    throw s3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', { ArgumentName: 'max-keys', ArgumentValue: raw });
  }
  return Math.min(MAX_KEYS, value);
}

/** Opaque to clients: the last key (or common prefix) of the previous page. */
function encodeToken(lastEntry: string): string {
  return Buffer.from(`sagesim:${lastEntry}`, 'utf8').toString('base64url');
}

function decodeToken(token: string): string {
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  if (!decoded.startsWith('sagesim:')) {
    throw s3Error('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
  }
  return decoded.slice('sagesim:'.length);
}
