// The embedded S3's folder is prepared once per start: a store written by a sagesim before the
// encoded key layout (embedded-s3-key-path.ts) is migrated in place, and uploads older than the
// configured age are swept (embedded-s3-uploads.ts).
import { mkdir, readFile, readdir, rename, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeSegment, isContinued, keyToPathParts, stripContinued } from './embedded-s3-key-path.js';
import { OBJECT_SUFFIX } from './embedded-s3-key-walk.js';
import { isValidBucketName } from './embedded-s3-names.js';

/** Written in the store's folder once its layout is the encoded one. */
const LAYOUT_FILE = '.sagesim-s3-layout';
const LAYOUT_VERSION = '2';
/** Written before the first move: a start that finds it resumes a migration that was cut short. */
const MIGRATING = 'migrating to 2';
const RESOURCES = ['object', 'object.md5', 'metadata.json'] as const;

/**
 * Moves objects stored by key as a raw path (`<bucket>/<key>._S3rver_object`, sagesim before the
 * encoded layout) to their encoded place. Most keys map to the same path and are not touched;
 * keys with other characters (`=`, non-ASCII, a leading `.`) move. Runs once per store.
 */
export async function migrateLayout(dataDir: string): Promise<number> {
  const marker = path.join(dataDir, LAYOUT_FILE);
  const state = (await readFile(marker, 'utf8').catch(() => undefined))?.trim();
  if (state === LAYOUT_VERSION) return 0;
  const resumed = state === MIGRATING;
  await writeFile(marker, `${MIGRATING}\n`);
  let moved = 0;
  for (const bucket of (await readdir(dataDir)).filter(isValidBucketName)) {
    const bucketPath = path.join(dataDir, bucket);
    for (const key of await legacyKeys(bucketPath)) {
      const parts = keyToPathParts(key);
      const last = parts.pop() ?? '';
      const folder = path.join(bucketPath, ...parts);
      const oldBase = path.join(bucketPath, key);
      if (path.join(folder, last) === oldBase) continue;
      // Moved by the migration that was cut short: already where its key belongs.
      if (resumed && isEncodedPlace(key)) continue;
      await mkdir(folder, { recursive: true });
      for (const resource of RESOURCES) {
        await rename(`${oldBase}._S3rver_${resource}`, path.join(folder, `${last}._S3rver_${resource}`)).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        });
      }
      await removeEmptyFolders(path.dirname(oldBase), bucketPath);
      moved++;
    }
  }
  await writeFile(marker, `${LAYOUT_VERSION}\n`);
  return moved;
}

/** Keys as the old layout stored them: the path of every `*._S3rver_object` file. */
async function legacyKeys(bucketPath: string): Promise<string[]> {
  const keys: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await readdir(path.join(bucketPath, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory() && entry.name !== '._S3rver_uploads') await walk(child);
      else if (entry.isFile() && entry.name.endsWith(OBJECT_SUFFIX)) keys.push(child.slice(0, -OBJECT_SUFFIX.length));
    }
  };
  await walk('');
  return keys;
}

/** Whether a path read as the encoded layout names a key that is stored exactly there. */
function isEncodedPlace(relative: string): boolean {
  const names = relative.split('/');
  let key = '';
  let pending = '';
  for (const [index, name] of names.entries()) {
    const last = index === names.length - 1;
    if (!last && isContinued(name)) {
      pending += stripContinued(name);
      continue;
    }
    const segment = decodeSegment(pending + name);
    if (segment === undefined) return false;
    key += last ? segment : `${segment}/`;
    pending = '';
  }
  return keyToPathParts(key).join('/') === relative;
}

async function removeEmptyFolders(from: string, stopAt: string): Promise<void> {
  for (let folder = from; folder !== stopAt && folder.startsWith(stopAt); folder = path.dirname(folder)) {
    try {
      await rmdir(folder);
    } catch {
      return;
    }
  }
}
