// What one `images build` works with: the engine (through the port), the containers/ folder, the
// cache folder (root file system tarballs, build logs, the lock), the repository prefix, progress.
import { homedir } from 'node:os';
import path from 'node:path';
import type { Reporter } from '../engine/events.js';
import { isSagesimError, StoppedError } from '../errors.js';
import type { ContainerImages, ContainerRuntime } from '../ports/container-engine.js';

/** What building sagesim's images needs of the engine. */
export type ImageEngine = Pick<ContainerRuntime, 'ping' | 'hasImage'> & ContainerImages;

/** Environment variables the build reads. */
export type BuildEnv = Readonly<Record<string, string | undefined>>;

export interface ImageBuildContext {
  readonly engine: ImageEngine;
  /** The containers/ folder. */
  readonly dir: string;
  /** `$SAGESIM_CACHE_DIR`, else `$XDG_CACHE_HOME/sagesim`, else `~/.cache/sagesim`. */
  readonly cacheDir: string;
  /** `sagesim`: images are `<prefix>/base`, `<prefix>/sklearn`, ... */
  readonly prefix: string;
  readonly env: BuildEnv;
  readonly force: boolean;
  readonly signal: AbortSignal | undefined;
  /** One progress line (`sagesim/knn: built sagesim/knn:<hash>`). */
  say(line: string): void;
}

/** Where the root file system tarballs, the build logs and the build lock live. */
export function cacheDirOf(env: BuildEnv): string {
  if (env.SAGESIM_CACHE_DIR) return env.SAGESIM_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || path.join(env.HOME || homedir(), '.cache');
  return path.join(base, 'sagesim');
}

export function sayTo(reporter: Reporter | undefined): (line: string) => void {
  return (line) => reporter?.progress?.({ message: line });
}

/** An aborted build ends in StoppedError (the signal's own reason when it is one). */
export function stoppedBy(signal: AbortSignal): StoppedError {
  const reason: unknown = signal.reason;
  if (reason instanceof StoppedError) return reason;
  if (isSagesimError(reason) && reason.code === 'STOPPED') return new StoppedError(reason.message, reason);
  return new StoppedError('image build stopped', reason);
}
