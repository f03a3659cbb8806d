// Lists the keys stored under a bucket's folder (see embedded-s3-key-path.ts for the layout),
// visiting only the folders that can hold a key starting with the prefix.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { decodeSegment, isContinued, keyToPathParts, stripContinued } from './embedded-s3-key-path.js';

export const OBJECT_SUFFIX = '._S3rver_object';

/** Every key stored under `bucketPath` that may start with `prefix` (the caller filters exactly). */
export async function collectKeys(bucketPath: string, prefix: string): Promise<string[]> {
  // Start in the folder of the prefix's complete segments: `data/tr` starts in `data/`.
  const folderKey = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
  const folderParts = folderKey === '' ? [] : keyToPathParts(folderKey).slice(0, -1);
  const keys: string[] = [];
  const walk = async (relative: string, keySoFar: string, pending: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(bucketPath, relative), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const child = relative ? path.join(relative, entry.name) : entry.name;
      if (entry.isDirectory()) {
        // Upload folders and anything else hidden are not keys; nor is what a link points to.
        if (entry.name.startsWith('.')) continue;
        if (isContinued(entry.name)) {
          await walk(child, keySoFar, pending + stripContinued(entry.name));
          continue;
        }
        const segment = decodeSegment(pending + entry.name);
        if (segment === undefined) continue;
        const folder = `${keySoFar}${segment}/`;
        if (folder.startsWith(prefix) || prefix.startsWith(folder)) await walk(child, folder, '');
      } else if (entry.isFile() && entry.name.endsWith(OBJECT_SUFFIX)) {
        const segment = decodeSegment(pending + entry.name.slice(0, -OBJECT_SUFFIX.length));
        if (segment !== undefined) keys.push(keySoFar + segment);
      }
    }
  };
  await walk(path.join(...(folderParts.length ? folderParts : ['.'])), folderKey, '');
  return keys;
}
