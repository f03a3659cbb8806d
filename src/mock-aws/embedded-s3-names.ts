// Names that arrive over HTTP are checked here, once, before any handler runs: the bucket as S3
// names buckets, the key's length, the part number and upload id of multipart requests, and the
// declared size of a body. Every refusal is the error S3 answers.
import { s3Error } from './embedded-s3-error.js';

/** S3's single PUT limit (5 GiB), which is also its part size limit. */
export const MAX_OBJECT_SIZE = 5 * 1024 ** 3;
const MAX_KEY_BYTES = 1024;
const MAX_PART_NUMBER = 10_000;
/** The emulator's upload ids: 16 random bytes in hex (the form homes written by s3rver hold too). */
const UPLOAD_ID = /^[0-9a-f]{32}$/;

/**
 * S3's rules for new buckets: 3 to 63 of `a-z 0-9 . -`, starting and ending with a letter or
 * digit, no two adjacent dots, not an IP address. Such a name is always one safe folder name.
 */
export function isValidBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes('..') && !/^\d+\.\d+\.\d+\.\d+$/.test(name);
}

export function invalidBucketName(name: string): Error {
  return s3Error('InvalidBucketName', 'The specified bucket is not valid. Bucket names are 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit.', {
    BucketName: name,
  });
}

export interface S3Address {
  /** '' for service requests (ListBuckets). */
  readonly bucket: string;
  /** '' for bucket requests. */
  readonly key: string;
}

/**
 * The bucket and key of a path-style request path (`/bucket/key...`, percent-decoded), checked.
 * Keys are taken as they are (`a/../b`, `a//b` and `dir/` are keys S3 stores literally).
 */
export function parseS3Path(rawPath: string): S3Address {
  if (!rawPath.startsWith('/')) throw invalidUri(rawPath);
  const slash = rawPath.indexOf('/', 1);
  const rawBucket = slash === -1 ? rawPath.slice(1) : rawPath.slice(1, slash);
  const rawKey = slash === -1 ? '' : rawPath.slice(slash + 1);
  const bucket = decode(rawBucket, rawPath);
  const key = decode(rawKey, rawPath);
  if (bucket === '') {
    if (key !== '' || slash !== -1) throw invalidUri(rawPath);
    return { bucket, key };
  }
  if (!isValidBucketName(bucket)) throw invalidBucketName(bucket);
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw s3Error('KeyTooLongError', 'Your key is too long', { Size: String(Buffer.byteLength(key, 'utf8')), MaxSizeAllowed: String(MAX_KEY_BYTES) });
  }
  return { bucket, key };
}

function decode(raw: string, rawPath: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw invalidUri(rawPath);
  }
}

function invalidUri(rawPath: string): Error {
  return s3Error('InvalidURI', "Couldn't parse the specified URI.", { URI: rawPath.length > 200 ? `${rawPath.slice(0, 200)}...` : rawPath });
}

/** UploadPart's `partNumber`: an integer from 1 to 10,000, as S3 requires. */
export function checkPartNumber(raw: string): number {
  const value = /^\d{1,5}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 1 && value <= MAX_PART_NUMBER)) {
    throw s3Error('InvalidArgument', `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`, {
      ArgumentName: 'partNumber',
      ArgumentValue: raw.length > 100 ? `${raw.slice(0, 100)}...` : raw,
    });
  }
  return value;
}

/** Whether an upload id is one the emulator hands out; any other is no upload (and no path). */
export function isUploadId(raw: string): boolean {
  return UPLOAD_ID.test(raw);
}

/** A declared body size S3 refuses before reading it. */
export function checkContentLength(raw: string | undefined): void {
  if (raw === undefined) return;
  const size = Number(raw);
  if (/^\d+$/.test(raw) && size > MAX_OBJECT_SIZE) {
    throw s3Error('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed object size.', {
      ProposedSize: raw,
      MaxSizeAllowed: String(MAX_OBJECT_SIZE),
    });
  }
}
