// S3 manifest files (S3DataType ManifestFile): a JSON array whose first element names a prefix and
// whose others are keys under it. Pure: staging downloads what it lists, the cache snapshots it.
import path from 'node:path';
import { SagesimError } from '../errors.js';
import { parseS3Uri } from './object-store.js';

/** The objects a manifest lists, each with the relative path it is staged at. */
export function parseManifest(text: string, manifestUri: string): { uri: string; relativePath: string }[] {
  const invalid = (why: string): SagesimError =>
    new SagesimError('INVALID_MANIFEST', `manifest ${manifestUri} is not valid: ${why}`, {
      source: 'user',
      hint: 'a manifest is a JSON array: [{"prefix": "s3://bucket/some/prefix/"}, "relative/key-1", "relative/key-2"]',
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw invalid(`not JSON (${(cause as Error).message})`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw invalid('not a non-empty JSON array');
  const [head, ...rest] = parsed as unknown[];
  const prefix = (head as { prefix?: unknown } | null)?.prefix;
  if (typeof prefix !== 'string') throw invalid('the first element must be {"prefix": "s3://..."}');
  parseS3Uri(prefix);
  return rest.map((entry, index) => {
    if (typeof entry !== 'string' || entry === '') throw invalid(`element ${index + 1} must be a non-empty string`);
    return { uri: `${prefix}${entry}`, relativePath: safeRelativePath(entry, entry) };
  });
}

/** A path that stays inside the local folder whatever the key holds. */
export function safeRelativePath(relative: string, key: string): string {
  const parts = relative.split('/').filter((part) => part !== '');
  if (parts.length === 0 || parts.some((part) => part === '.' || part === '..')) {
    throw new SagesimError('INVALID_S3_KEY', `cannot place the object ${JSON.stringify(key)} in a local folder: its key has no file name or contains "." or ".." segments`, {
      source: 'user',
    });
  }
  return parts.join(path.sep);
}
