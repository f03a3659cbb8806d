// Crash- and race-safe JSON files for the local stores (models, registry, callbacks): readers never
// see a half-written file, and "create if absent" is decided by the file system, not by a lock.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type AtomicWriteHooks, withTempFile, writeFileAtomic } from '../util/atomic-file.js';

/** Writes `value` as JSON to `file` atomically (temp file + rename), replacing any previous content. */
export async function writeJsonAtomic(file: string, value: unknown, hooks: AtomicWriteHooks = {}): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`, hooks);
}

/**
 * Creates `file` with `value` only if no file of that name exists yet, atomically: the content is
 * written to a temp file, then hard-linked into place (link never overwrites). Returns false when
 * the file already existed, so concurrent writers (steps of one process, or other processes) can
 * each claim a distinct name without a lock.
 */
export async function createJsonExclusive(file: string, value: unknown, hooks: AtomicWriteHooks = {}): Promise<boolean> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  return withTempFile(file, `${JSON.stringify(value, null, 2)}\n`, hooks, async (temp) => {
    try {
      await fs.link(temp, file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  });
}

/** Reads a JSON file; undefined when it does not exist. */
export async function readJsonIfExists<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as T;
}

/** Names in a folder; empty when the folder does not exist. */
export async function listDir(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
