// Moves a job's data between S3 and local folders as SageMaker does: inputs (S3Prefix or
// ManifestFile) downloaded before a container starts, outputs uploaded after it ends.
// Streamed to and from disk, transfers in parallel, large objects in parallel byte ranges.
import { setMaxListeners } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, open, readdir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SagesimError, StoppedError } from '../errors.js';
import { type ObjectStore, formatS3Uri, joinS3, parseS3Uri } from '../ports/object-store.js';
import type { RangedObjectStore } from '../mock-aws/s3-object-store.js';
import { parseManifest, safeRelativePath } from '../ports/s3-manifest.js';

export type S3DataType = 'S3Prefix' | 'ManifestFile';

export interface TransferOptions {
  /** Aborts every transfer still running; the call then rejects with StoppedError. */
  readonly signal?: AbortSignal;
  /** Objects (or byte ranges of large objects) transferred at once. @default 8 */
  readonly concurrency?: number;
}

export interface DownloadOptions extends TransferOptions {
  /** How the URI is read, as in S3DataSource / ProcessingS3Input. @default 'S3Prefix' */
  readonly dataType?: S3DataType;
}

export interface TransferSummary {
  readonly files: number;
  readonly bytes: number;
}

/**
 * How an upload treats symbolic links. `contained`: a link is followed only when what it points to
 * lies inside the folder being uploaded (a job's output folder: SageMaker uploads from inside the
 * job's own filesystem, where a link can never reach the host's files); every other link is
 * skipped. `follow`: every link is followed, as `aws s3 cp` does for a user's own folder.
 */
export type LinkPolicy = 'contained' | 'follow';

export interface UploadOptions extends TransferOptions {
  /** @default 'contained' */
  readonly links?: LinkPolicy;
}

/** An entry an upload left out, and why (said in the step's log). */
export interface SkippedEntry {
  /** Relative to the uploaded folder (`.` for the folder itself). */
  readonly path: string;
  readonly reason: string;
}

export interface UploadSummary extends TransferSummary {
  readonly skipped: readonly SkippedEntry[];
}

/** An object to download and where it goes, relative to the local folder. */
export interface PlannedDownload {
  readonly uri: string;
  readonly relativePath: string;
  readonly size?: number;
}

const MIB = 1024 * 1024;
/** Objects above this are fetched as parallel byte ranges (one connection rarely fills a disk). */
export const RANGED_DOWNLOAD_THRESHOLD = 64 * MIB;
export const RANGE_SIZE = 32 * MIB;
const DEFAULT_CONCURRENCY = 8;

/** One transfer (an object or a byte range of one), stopped by its signal. */
type Task = (signal: AbortSignal) => Promise<void>;

/**
 * Downloads an S3 input to `localDir`. `S3Prefix`: every object whose key starts with the URI's
 * key, laid out as SageMaker lays it out (see {@link relativePathForKey}); `ManifestFile`: the
 * objects a manifest lists, by their path relative to the manifest's prefix.
 * Throws `S3_INPUT_NOT_FOUND` when nothing matches.
 */
export async function downloadPrefix(store: ObjectStore, s3Uri: string, localDir: string, options: DownloadOptions = {}): Promise<TransferSummary> {
  throwIfStopped(options.signal);
  const dataType = options.dataType ?? 'S3Prefix';
  const plan = dataType === 'ManifestFile' ? await planManifest(store, s3Uri) : await planPrefix(store, s3Uri);
  checkLayout(plan);
  await mkdir(localDir, { recursive: true });
  const dirs = new Set(plan.map((item) => path.dirname(path.join(localDir, item.relativePath))));
  await Promise.all([...dirs].map((dir) => mkdir(dir, { recursive: true })));

  const tasks: Task[] = [];
  for (const item of plan) tasks.push(...(await downloadTasks(store, item.uri, path.join(localDir, item.relativePath), item.size)));
  await runPool(tasks, options);
  const sizes = await Promise.all(plan.map(async (item) => item.size ?? (await stat(path.join(localDir, item.relativePath))).size));
  return { files: plan.length, bytes: sizes.reduce((sum, size) => sum + size, 0) };
}

/** Downloads one object to a file (parallel ranges when large); resolves to its size. */
export async function downloadFile(store: ObjectStore, s3Uri: string, file: string, options: TransferOptions = {}): Promise<number> {
  throwIfStopped(options.signal);
  await mkdir(path.dirname(file), { recursive: true });
  const size = isRanged(store) ? (await store.head(s3Uri, { signal: options.signal }))?.size : undefined;
  await runPool(await downloadTasks(store, s3Uri, file, size), options);
  return size ?? (await stat(file)).size;
}

/**
 * Uploads every regular file under `localDir` to `<s3Uri>/<path relative to localDir>`, as
 * SageMaker uploads a ProcessingOutput or output data folder. A missing folder uploads nothing.
 * Links are treated by `options.links` (see {@link LinkPolicy}); what was left out is in `skipped`.
 */
export async function uploadDir(store: ObjectStore, localDir: string, s3Uri: string, options: UploadOptions = {}): Promise<UploadSummary> {
  throwIfStopped(options.signal);
  parseS3Uri(s3Uri);
  const { files, skipped } = options.links === 'follow' ? await listFilesFollowing(localDir) : await listContainedFiles(localDir);
  let bytes = 0;
  const tasks = files.map(({ relative, source }): Task => async (signal) => {
    // Not `bytes += await ...`: that reads `bytes` before the await and loses parallel updates.
    const size = await uploadFile(store, source, joinS3(s3Uri, ...relative.split(path.sep)), { signal });
    bytes += size;
  });
  await runPool(tasks, options);
  return { files: files.length, bytes, skipped };
}

/** Uploads one file, streamed (multipart when the store supports it and the file is large); resolves to its size. */
export async function uploadFile(store: ObjectStore, file: string, s3Uri: string, options: Pick<TransferOptions, 'signal'> = {}): Promise<number> {
  throwIfStopped(options.signal);
  if (hasPutFile(store)) return store.putFile(s3Uri, file, { signal: options.signal });
  const { size } = await stat(file);
  await store.put(s3Uri, createReadStream(file, { highWaterMark: MIB }), { contentLength: size });
  return size;
}

/**
 * Where SageMaker puts an object matched by an S3Prefix input, relative to the input's local
 * folder. A prefix that ends at a path boundary (`data/train/`, or `data/train` for the key
 * `data/train/a.csv`) is stripped with its slash: `a.csv`. A prefix that ends inside a name keeps
 * that whole name, as the cloud does (`data/train` matching `data/train-2.csv` gives
 * `train-2.csv`, `data/train2/b.csv` gives `train2/b.csv`); a URI naming one object gives its
 * file name. (SageMaker local mode strips the prefix as text instead, giving `-2.csv`.)
 */
export function relativePathForKey(prefix: string, key: string): string {
  if (!key.startsWith(prefix)) throw new SagesimError('KEY_OUTSIDE_PREFIX', `key ${key} does not start with prefix ${prefix}`);
  if (prefix === '' || prefix.endsWith('/')) return key.slice(prefix.length);
  if (key.length > prefix.length && key[prefix.length] === '/') return key.slice(prefix.length + 1);
  return key.slice(prefix.lastIndexOf('/') + 1);
}

/** The objects of an S3Prefix input, in key order; folder markers (keys ending in `/`) skipped. */
export async function planPrefix(store: ObjectStore, s3Uri: string): Promise<PlannedDownload[]> {
  const { bucket, key: prefix } = parseS3Uri(s3Uri);
  const objects = (await store.list(s3Uri)).filter((object) => !object.key.endsWith('/'));
  if (objects.length === 0) throw inputNotFound(s3Uri, `No S3 objects found under S3 URL "${s3Uri}"`);
  return objects.map((object) => ({
    uri: formatS3Uri(bucket, object.key),
    relativePath: safeRelativePath(relativePathForKey(prefix, object.key), object.key),
    size: object.size,
  }));
}

/**
 * The objects a manifest lists: `[{"prefix": "s3://bucket/p/"}, "rel/key1", ...]`, each the
 * prefix with the entry appended, laid out by the entry's path. Every listed object must exist.
 */
export async function planManifest(store: ObjectStore, manifestUri: string): Promise<PlannedDownload[]> {
  let text: string;
  try {
    text = (await store.get(manifestUri)).toString('utf8');
  } catch (error) {
    if (error instanceof SagesimError && error.code === 'S3_NOT_FOUND') throw inputNotFound(manifestUri, `manifest file not found at ${manifestUri}`);
    throw error;
  }
  return Promise.all(
    parseManifest(text, manifestUri).map(async ({ uri, relativePath }) => {
      // Sizes let large objects be fetched in ranges; a store without HEAD only says whether it exists.
      const found: { size?: number } | undefined = isRanged(store) ? await store.head(uri) : (await store.exists(uri)) ? {} : undefined;
      if (found === undefined) throw inputNotFound(uri, `object ${uri} listed in manifest ${manifestUri} does not exist`);
      return { uri, relativePath, size: found.size };
    }),
  );
}

function inputNotFound(uri: string, message: string): SagesimError {
  return new SagesimError('S3_INPUT_NOT_FOUND', message, {
    source: 'user',
    hint: `check the URI, or seed it with \`sagesim s3 cp --recursive <local folder> ${uri}\``,
  });
}

/** Two objects that would land on the same file, or a file where another needs a folder. */
function checkLayout(plan: readonly PlannedDownload[]): void {
  const files = new Map<string, string>();
  for (const item of plan) {
    const previous = files.get(item.relativePath);
    if (previous !== undefined) throw layoutConflict(previous, item.uri, item.relativePath);
    files.set(item.relativePath, item.uri);
  }
  for (const item of plan) {
    for (let dir = path.dirname(item.relativePath); dir !== '.'; dir = path.dirname(dir)) {
      const clash = files.get(dir);
      if (clash !== undefined) throw layoutConflict(clash, item.uri, dir);
    }
  }
}

function layoutConflict(first: string, second: string, relative: string): SagesimError {
  return new SagesimError('S3_LAYOUT_CONFLICT', `${first} and ${second} would both be written to ${relative}`, {
    source: 'user',
    hint: 'end the input URI with a slash, or move one of the objects',
  });
}

/** One task per object, or one per byte range of a large object on a store that reads ranges. */
async function downloadTasks(store: ObjectStore, uri: string, file: string, size: number | undefined): Promise<Task[]> {
  if (!isRanged(store) || size === undefined || size <= RANGED_DOWNLOAD_THRESHOLD) {
    return [
      async (signal) => {
        const body = isRanged(store) ? await store.getStream(uri, { signal }) : await store.getStream(uri);
        await pipeline(body, createWriteStream(file, { highWaterMark: MIB }), { signal });
      },
    ];
  }
  // Size the file first so every range writes at its own offset.
  const handle = await open(file, 'w');
  try {
    await handle.truncate(size);
  } finally {
    await handle.close();
  }
  const tasks: Task[] = [];
  for (let start = 0; start < size; start += RANGE_SIZE) {
    const end = Math.min(start + RANGE_SIZE, size) - 1;
    tasks.push(async (signal) => {
      const body: Readable = await store.getRangeStream(uri, start, end, { signal });
      await pipeline(body, createWriteStream(file, { flags: 'r+', start, highWaterMark: MIB }), { signal });
    });
  }
  return tasks;
}

/**
 * Runs tasks `concurrency` at a time. The first failure aborts the others; the call settles only
 * when every started task has, so no transfer outlives it.
 */
async function runPool(tasks: readonly Task[], options: TransferOptions): Promise<void> {
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  const internal = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, internal.signal]) : internal.signal;
  // Every transfer in flight listens on it (the request, the file stream): not a leak.
  setMaxListeners(Math.max(10, concurrency * 4), signal);
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (failure === undefined && !signal.aborted && next < tasks.length) {
      const task = tasks[next++];
      if (!task) break;
      try {
        await task(signal);
      } catch (error) {
        if (failure === undefined) failure = error;
        internal.abort(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  if (options.signal?.aborted) throw new StoppedError('staging stopped');
  if (failure !== undefined) throw failure;
}

function throwIfStopped(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StoppedError('staging stopped');
}

/** A file to upload: its key relative to the folder, and the path it is read from. */
interface ListedFile {
  readonly relative: string;
  readonly source: string;
}

interface Listing {
  readonly files: ListedFile[];
  readonly skipped: SkippedEntry[];
}

/**
 * Regular files under a folder, sorted, never reaching outside it: a link is followed only when
 * its real target lies inside the folder's real path, and each file is read from that real path,
 * so nothing a container leaves behind (`x -> /home/me/.aws/credentials`) reads the host's files.
 * Dangling links, link loops and special files (a FIFO would block the reader) are skipped too.
 */
async function listContainedFiles(root: string): Promise<Listing> {
  const files: ListedFile[] = [];
  const skipped: SkippedEntry[] = [];
  let rootInfo;
  try {
    rootInfo = await lstat(root);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { files, skipped };
    throw error;
  }
  if (rootInfo.isSymbolicLink()) {
    skipped.push({ path: '.', reason: `the folder itself is a symbolic link (to ${await readlink(root)}): nothing uploaded from it` });
    return { files, skipped };
  }
  if (!rootInfo.isDirectory()) {
    skipped.push({ path: '.', reason: 'not a folder' });
    return { files, skipped };
  }
  const rootReal = await realpath(root);
  const inside = (real: string): boolean => real === rootReal || real.startsWith(`${rootReal}${path.sep}`);

  const walk = async (relative: string, realDir: string, ancestors: ReadonlySet<string>): Promise<void> => {
    for (const entry of await readdir(realDir, { withFileTypes: true })) {
      const child = relative ? path.join(relative, entry.name) : entry.name;
      const full = path.join(realDir, entry.name);
      if (entry.isFile()) {
        files.push({ relative: child, source: full });
      } else if (entry.isDirectory()) {
        await walk(child, full, new Set([...ancestors, full]));
      } else if (entry.isSymbolicLink()) {
        const target = await readlink(full);
        let real: string;
        try {
          real = await realpath(full);
        } catch {
          skipped.push({ path: child, reason: `dangling symbolic link to ${target}` });
          continue;
        }
        if (!inside(real)) {
          skipped.push({ path: child, reason: `symbolic link to ${target} leads out of the folder` });
          continue;
        }
        const info = await stat(real);
        if (info.isDirectory()) {
          if (ancestors.has(real)) skipped.push({ path: child, reason: `symbolic link to ${target} makes a loop` });
          else await walk(child, real, new Set([...ancestors, real]));
        } else if (info.isFile()) {
          files.push({ relative: child, source: real });
        } else {
          skipped.push({ path: child, reason: `symbolic link to ${target}, which is not a regular file` });
        }
      } else {
        skipped.push({ path: child, reason: 'not a regular file (a FIFO, socket or device)' });
      }
    }
  };
  await walk('', rootReal, new Set([rootReal]));
  files.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
  return { files, skipped };
}

/** Files under a folder, following every symbolic link (a user's own folder), sorted. */
async function listFilesFollowing(root: string): Promise<Listing> {
  const files: ListedFile[] = [];
  const skipped: SkippedEntry[] = [];
  const walk = async (relative: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(root, relative), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && relative === '') return;
      throw error;
    }
    for (const entry of entries) {
      const child = relative ? path.join(relative, entry.name) : entry.name;
      const full = path.join(root, child);
      const info = entry.isSymbolicLink() ? await stat(full) : entry;
      if (info.isDirectory()) await walk(child);
      else if (info.isFile()) files.push({ relative: child, source: full });
      else skipped.push({ path: child, reason: 'not a regular file (a FIFO, socket or device)' });
    }
  };
  await walk('');
  files.sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
  return { files, skipped };
}

function isRanged(store: ObjectStore): store is RangedObjectStore {
  const candidate = store as Partial<RangedObjectStore>;
  return typeof candidate.getRangeStream === 'function' && typeof candidate.head === 'function';
}

function hasPutFile(store: ObjectStore): store is ObjectStore & { putFile(uri: string, file: string, options?: { signal?: AbortSignal }): Promise<number> } {
  return typeof (store as { putFile?: unknown }).putFile === 'function';
}
