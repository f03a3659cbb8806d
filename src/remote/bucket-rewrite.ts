// `--bucket` for `run --no-mock`. A definition exported from the SageMaker SDK names the bucket of
// the account it was built in (the SDK's default bucket `sagemaker-<region>-<account>`, or the
// bucket of the fixture's assets); a user submitting it elsewhere expects everything to land in
// their bucket instead, keys unchanged. So `--bucket B` replaces, everywhere in the definition and
// the manifest, every S3 URI on such a bucket, and the bucket name where Std:Join spells it as
// its own part (`["s3:/", "sagemaker-us-east-1-111122223333", ...]`). Other buckets are left alone.
import { type JsonValue, isJsonObject } from '../engine/json.js';
import { SagesimError } from '../errors.js';
import type { Manifest, ManifestEntry } from '../fixtures/manifest.js';

/** The SageMaker SDK's default bucket: `sagemaker-<region>-<12-digit account>`. */
const DEFAULT_BUCKET = /^sagemaker-[a-z]{2}(-gov)?-[a-z]+-\d-\d{12}$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function assertBucketName(bucket: string): void {
  if (!BUCKET_NAME.test(bucket)) {
    throw new SagesimError('INVALID_BUCKET', `--bucket ${JSON.stringify(bucket)} is not an S3 bucket name`, {
      source: 'user',
      hint: 'bucket names have 3 to 63 lowercase letters, digits, dots and hyphens (no s3:// prefix)',
    });
  }
}

/** Buckets to move: the SDK default buckets the definition names, plus `extra` (the manifest's). */
export function bucketsToRewrite(definition: JsonValue, extra: readonly string[]): Set<string> {
  const found = new Set(extra);
  visitStrings(definition, (value) => {
    const fromUri = /^s3:\/\/([^/]+)/.exec(value)?.[1];
    if (fromUri && DEFAULT_BUCKET.test(fromUri)) found.add(fromUri);
    if (DEFAULT_BUCKET.test(value)) found.add(value);
  });
  return found;
}

/** The definition text with those buckets replaced by `bucket` (re-serialised as compact JSON). */
export function rewriteBuckets(definitionText: string, bucket: string, manifestBuckets: readonly string[]): string {
  assertBucketName(bucket);
  const definition = JSON.parse(definitionText) as JsonValue;
  const from = bucketsToRewrite(definition, manifestBuckets);
  from.delete(bucket);
  if (from.size === 0) return definitionText;
  return JSON.stringify(mapStrings(definition, (value) => rewriteString(value, from, bucket)));
}

export function rewriteManifestBuckets(manifest: Manifest, bucket: string): Manifest {
  assertBucketName(bucket);
  return {
    ...manifest,
    entries: manifest.entries.map((entry): ManifestEntry => ({ ...entry, uri: entry.uri.replace(/^s3:\/\/[^/]+/, `s3://${bucket}`) })),
  };
}

function rewriteString(value: string, from: ReadonlySet<string>, bucket: string): string {
  if (from.has(value)) return bucket;
  const match = /^s3:\/\/([^/]+)(.*)$/s.exec(value);
  if (match?.[1] !== undefined && from.has(match[1])) return `s3://${bucket}${match[2] ?? ''}`;
  return value;
}

function visitStrings(value: JsonValue, visit: (value: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) value.forEach((item) => visitStrings(item, visit));
  else if (isJsonObject(value)) Object.values(value).forEach((item) => visitStrings(item, visit));
}

function mapStrings(value: JsonValue, map: (value: string) => string): JsonValue {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (isJsonObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)]));
  return value;
}
