// Lists, ensures and builds sagesim's local images, all through the container-engine port: the
// base (base-image.ts), then each image FROM it, tagged `:<content hash>` and `:latest`, labelled,
// older hashes pruned. One build at a time per cache folder (a file lock), so parallel test files
// or two terminals do not build the same image twice.
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Reporter } from '../engine/events.js';
import { isSagesimError, SagesimError } from '../errors.js';
import { withFileLock } from '../store/file-lock.js';
import { ensureBaseImage } from './base-image.js';
import { containersDir } from './containers-dir.js';
import { contentHash } from './content-hash.js';
import { type BuildEnv, cacheDirOf, type ImageBuildContext, type ImageEngine, sayTo, stoppedBy } from './image-build-context.js';
import { pruneOldTags } from './prune-images.js';

/** sagesim's own images, each built FROM sagesim/base. */
export const LOCAL_IMAGE_NAMES = ['sklearn', 'xgboost', 'knn'] as const;
export type LocalImageName = (typeof LOCAL_IMAGE_NAMES)[number];

/** Label every sagesim image carries: the content hash of the files it was built from. */
export const CONTENT_HASH_LABEL = 'sagesim.content-hash';
/** Label every sagesim image carries: its name (`knn`). */
export const IMAGE_NAME_LABEL = 'sagesim.image';

/** A build may wait this long for another process's build (debootstrap takes minutes). */
const LOCK_TIMEOUT_MS = 2 * 60 * 60 * 1000;

export interface ImagesOptions {
  /** The engine the images live in (ping, hasImage, and the image methods of the port). */
  readonly engine: ImageEngine;
  /** SAGESIM_CACHE_DIR, SAGESIM_BASE_METHOD, DEBOOTSTRAP_MIRROR, PATH, HOME. @default the process's */
  readonly env?: BuildEnv;
  /** The containers/ folder. @default the one shipped with sagesim */
  readonly containersDir?: string;
  /** Repository prefix of the images (tests build elsewhere than `sagesim/`). @default 'sagesim' */
  readonly repositoryPrefix?: string;
}

export interface BuildImagesOptions extends ImagesOptions {
  /** Receives one `progress` event per phase (`sagesim/knn: built sagesim/knn:<hash>`). */
  readonly reporter?: Reporter;
  /** Rebuild even when an image with the same content hash exists (the rootfs tarball cache is kept). @default false */
  readonly force?: boolean;
  /** Build only these. @default all of LOCAL_IMAGE_NAMES */
  readonly only?: readonly LocalImageName[];
  /** Build the base image only (`sagesim images build base`); resolves with no image. @default false */
  readonly baseOnly?: boolean;
  /** Stops the build: the engine's build or import is ended, debootstrap is sent SIGTERM. */
  readonly signal?: AbortSignal;
}

export interface ImageState {
  readonly name: LocalImageName;
  /** `sagesim/<name>:<hash>`; also tagged `sagesim/<name>:latest`. */
  readonly tag: string;
  /** Content hash of the files under containers/ that go into the image. */
  readonly hash: string;
}

export interface BuiltImage extends ImageState {
  readonly outcome: 'built' | 'up-to-date';
}

export interface ImageStatus extends ImageState {
  readonly present: boolean;
}

/** Builds what is missing or out of date (everything with `force`) and reports each image's outcome. */
export async function buildImages(options: BuildImagesOptions): Promise<readonly BuiltImage[]> {
  const signal = options.signal;
  signal?.throwIfAborted();
  await options.engine.ping(signal ? { signal } : {});
  const env = options.env ?? process.env;
  const context: ImageBuildContext = {
    engine: options.engine,
    dir: options.containersDir ?? containersDir(),
    cacheDir: cacheDirOf(env),
    prefix: options.repositoryPrefix ?? 'sagesim',
    env,
    force: options.force === true,
    signal,
    say: sayTo(options.reporter),
  };
  await mkdir(context.cacheDir, { recursive: true });
  const names = LOCAL_IMAGE_NAMES.filter((name) => options.only === undefined || options.only.includes(name));
  try {
    const work = options.baseOnly === true ? () => ensureBaseImage(context).then(() => []) : () => buildAll(context, names);
    return await withFileLock(path.join(context.cacheDir, 'images-build'), work, {
      staleAfterMs: LOCK_TIMEOUT_MS,
      timeoutMs: LOCK_TIMEOUT_MS,
      sleep: (ms) => abortableSleep(ms, signal),
      onWait: () => context.say('waiting for another sagesim image build to finish'),
    });
  } catch (error) {
    if (signal?.aborted) throw stoppedBy(signal);
    throw error;
  }
}

async function buildAll(context: ImageBuildContext, names: readonly LocalImageName[]): Promise<BuiltImage[]> {
  let baseTag: string | undefined;
  const results: BuiltImage[] = [];
  for (const name of names) {
    const hash = await contentHash(context.dir, ['base', 'toolkit', name]);
    const repository = `${context.prefix}/${name}`;
    const tag = `${repository}:${hash}`;
    if (!context.force && (await context.engine.hasImage(tag))) {
      await context.engine.tagImage(tag, `${repository}:latest`);
      context.say(`${repository}: up to date (${hash})`);
      results.push({ name, tag, hash, outcome: 'up-to-date' });
      continue;
    }
    baseTag ??= await ensureBaseImage(context);
    context.say(`${repository}: building ${tag}`);
    await buildOne(context, name, { tag, hash, repository, baseTag });
    context.say(`${repository}: built ${tag}`);
    await pruneOldTags(context.engine, repository, hash);
    results.push({ name, tag, hash, outcome: 'built' });
  }
  return results;
}

/** One image FROM the base; its build log goes to `<cache>/build-<name>.log`, its tail into a failure. */
async function buildOne(context: ImageBuildContext, name: LocalImageName, image: { tag: string; hash: string; repository: string; baseTag: string }): Promise<void> {
  const log: string[] = [];
  const logFile = path.join(context.cacheDir, `build-${name}.log`);
  try {
    await context.engine.buildImage({
      contextDir: context.dir,
      include: ['base', 'toolkit', name],
      dockerfile: `${name}/Dockerfile`,
      tags: [image.tag, `${image.repository}:latest`],
      buildArgs: { BASE: image.baseTag },
      labels: { [CONTENT_HASH_LABEL]: image.hash, [IMAGE_NAME_LABEL]: name },
      onLine: (line) => log.push(line),
      ...(context.signal ? { signal: context.signal } : {}),
    });
  } catch (cause) {
    if (context.signal?.aborted) throw stoppedBy(context.signal);
    await writeFile(logFile, `${log.join('\n')}\n`).catch(() => undefined);
    if (!isSagesimError(cause) || cause.code !== 'IMAGE_BUILD_FAILED') throw cause;
    throw new SagesimError('IMAGE_BUILD_FAILED', `${image.repository}: ${cause.message}`, {
      source: 'sagesim',
      hint: `the whole build log is in ${logFile}; check ${path.join(context.dir, name, 'Dockerfile')} and the files it copies, then \`sagesim images build ${name}\` (\`--force\` rebuilds even what is up to date)`,
      cause,
    });
  }
  await writeFile(logFile, `${log.join('\n')}\n`).catch(() => undefined);
}

/** Whether each image is present with the content hash of the current containers/ files. */
export async function imageStatus(options: ImagesOptions, names: readonly LocalImageName[] = LOCAL_IMAGE_NAMES): Promise<readonly ImageStatus[]> {
  await options.engine.ping();
  const dir = options.containersDir ?? containersDir();
  const prefix = options.repositoryPrefix ?? 'sagesim';
  const states: ImageStatus[] = [];
  for (const name of names) {
    const hash = await contentHash(dir, ['base', 'toolkit', name]);
    const tag = `${prefix}/${name}:${hash}`;
    states.push({ name, hash, tag, present: await options.engine.hasImage(tag) });
  }
  return states;
}

/**
 * Builds those of `names` that are missing or out of date. Accepts `xgboost` as well as image tags
 * (`sagesim/xgboost:latest`); other images are not sagesim's to build and are ignored.
 * Returns what it built.
 */
export async function ensureImages(names: readonly string[], options: Omit<BuildImagesOptions, 'only' | 'force'>): Promise<readonly BuiltImage[]> {
  const wanted = new Set(names.map(localImageNameOf).filter((n): n is LocalImageName => n !== undefined));
  if (wanted.size === 0) return [];
  const missing = (await imageStatus(options, [...wanted])).filter((s) => !s.present).map((s) => s.name);
  if (missing.length === 0) return [];
  return (await buildImages({ ...options, only: missing })).filter((b) => b.outcome === 'built');
}

/** `xgboost`, `sagesim/xgboost`, `sagesim/xgboost:latest` -> `xgboost`; anything else -> undefined. */
export function localImageNameOf(image: string): LocalImageName | undefined {
  const match = /^(?:sagesim\/)?([a-z]+)(?::[\w.-]+)?$/.exec(image);
  const name = match?.[1];
  if (!isLocalImageName(name)) return undefined;
  return image.startsWith('sagesim/') || image === name ? name : undefined;
}

function isLocalImageName(name: string | undefined): name is LocalImageName {
  return (LOCAL_IMAGE_NAMES as readonly string[]).includes(name ?? '');
}

/** The lock's wait between tries, ended at once by an abort. */
function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
