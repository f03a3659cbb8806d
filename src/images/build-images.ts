// Lists, ensures and builds sagesim's local images. Whether an image is present is asked of the
// container-engine port (`sagesim/<name>:<content hash>`); building runs containers/build-images.sh
// (the script `bash containers/build-images.sh` runs by hand: debootstrap, `docker import`,
// `docker build`) on the engine's socket, streaming its progress lines.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Reporter } from '../engine/events.js';
import { SagesimError, StoppedError } from '../errors.js';
import type { ContainerRuntime } from '../ports/container-engine.js';
import { containersDir } from './containers-dir.js';
import { contentHash } from './content-hash.js';

/** sagesim's own images, each built FROM sagesim/base. */
export const LOCAL_IMAGE_NAMES = ['sklearn', 'xgboost', 'knn'] as const;
export type LocalImageName = (typeof LOCAL_IMAGE_NAMES)[number];

export interface ImagesOptions {
  /** The engine the images live in: answers ping and hasImage. */
  readonly engine: Pick<ContainerRuntime, 'ping' | 'hasImage'>;
  /** Its socket (`SagesimConfig.dockerSocket`): the build script's DOCKER_HOST. */
  readonly dockerSocket: string;
  /** Environment of the build script (DOCKER_HOST is set from dockerSocket). @default the process's */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The containers/ folder. @default the one shipped with sagesim */
  readonly containersDir?: string;
}

export interface BuildImagesOptions extends ImagesOptions {
  /** Receives one `progress` event per line the build prints. */
  readonly reporter?: Reporter;
  /** Rebuild even when an image with the same content hash exists. @default false */
  readonly force?: boolean;
  /** Build only these. @default all of LOCAL_IMAGE_NAMES */
  readonly only?: readonly LocalImageName[];
  /** Stops the build (the script is sent SIGTERM). */
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
  options.signal?.throwIfAborted();
  await options.engine.ping(options.signal ? { signal: options.signal } : {});
  const args = [...(options.force ? ['--force'] : []), ...(options.only ?? [])];
  const outcomes = new Map<LocalImageName, BuiltImage>();
  await runScript(args, options, (line) => {
    options.reporter?.progress?.({ message: line });
    const built = /^sagesim\/(\w+): (?:built sagesim\/\w+:([0-9a-f]+)|up to date \(([0-9a-f]+)\))$/.exec(line);
    const name = built?.[1];
    if (built && isLocalImageName(name)) {
      const hash = built[2] ?? built[3] ?? '';
      outcomes.set(name, { name, hash, tag: `sagesim/${name}:${hash}`, outcome: built[2] ? 'built' : 'up-to-date' });
    }
  });
  return LOCAL_IMAGE_NAMES.filter((name) => outcomes.has(name)).map((name) => outcomes.get(name) as BuiltImage);
}

/** Whether each image is present with the content hash of the current containers/ files. */
export async function imageStatus(options: ImagesOptions, names: readonly LocalImageName[] = LOCAL_IMAGE_NAMES): Promise<readonly ImageStatus[]> {
  await options.engine.ping();
  const dir = options.containersDir ?? containersDir();
  const states: ImageStatus[] = [];
  for (const name of names) {
    const hash = await contentHash(dir, ['base', 'toolkit', name]);
    const tag = `sagesim/${name}:${hash}`;
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

/** Exit code of build-images.sh when `docker info` fails. */
const SCRIPT_DOCKER_UNAVAILABLE = 3;

function runScript(args: readonly string[], options: BuildImagesOptions, onLine: (line: string) => void): Promise<void> {
  const dir = options.containersDir ?? containersDir();
  const env: Record<string, string | undefined> = { ...(options.env ?? process.env), DOCKER_HOST: `unix://${options.dockerSocket}` };
  return new Promise((resolve, reject) => {
    // With a signal the build gets its own process group, so that an abort reaches what bash is
    // waiting on (docker build, debootstrap): bash alone defers SIGTERM until its child ends.
    const ownGroup = options.signal !== undefined;
    const child = spawn('bash', [path.join(dir, 'build-images.sh'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: ownGroup });
    const stderr: string[] = [];
    const onAbort = (): void => {
      try {
        if (ownGroup && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
        else child.kill('SIGTERM');
      } catch {
        // Already gone.
      }
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    splitLines(child.stdout, onLine);
    splitLines(child.stderr, (line) => {
      stderr.push(line);
      if (stderr.length > 60) stderr.shift();
    });
    child.on('error', (cause) => {
      reject(new SagesimError('IMAGE_BUILD_FAILED', `cannot run ${path.join(dir, 'build-images.sh')}: ${cause.message}`, { cause, hint: 'bash and the docker CLI must be installed' }));
    });
    child.on('close', (code, signal) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (code === 0) return resolve();
      if (options.signal?.aborted) return reject(new StoppedError('image build stopped'));
      const tail = stderr.join('\n');
      if (code === SCRIPT_DOCKER_UNAVAILABLE) return reject(scriptDockerUnavailable(options.dockerSocket, tail));
      reject(
        new SagesimError('IMAGE_BUILD_FAILED', `building sagesim's images failed (${code === null ? `signal ${signal ?? '?'}` : `exit ${code}`}):\n${tail}`, {
          hint: `run \`bash ${path.join(dir, 'build-images.sh')}\` to see the whole output; \`--force\` rebuilds from scratch`,
        }),
      );
    });
  });
}

function splitLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline).trimEnd();
      buffered = buffered.slice(newline + 1);
      if (line) onLine(line);
      newline = buffered.indexOf('\n');
    }
  });
  stream.on('end', () => {
    if (buffered.trim()) onLine(buffered.trimEnd());
  });
}

/** The engine answered our ping but not the script's `docker info` (its CLI, its permissions). */
function scriptDockerUnavailable(socketPath: string, detail: string): SagesimError {
  return new SagesimError('DOCKER_UNAVAILABLE', `the build script cannot reach the Docker engine at ${socketPath} (${detail || 'docker info failed'})`, {
    source: 'user',
    hint: 'the build runs the docker CLI on that socket: check that `docker` is installed and that DOCKER_HOST=unix://' + socketPath + ' docker info works',
  });
}
