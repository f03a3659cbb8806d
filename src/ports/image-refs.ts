// What both implementations of the images half of the container-engine port agree on: how an image
// name splits into repository and tag, which `docker import` changes are allowed, and the error a
// failed build or import ends in.
import { SagesimError } from '../errors.js';

/** How many of a build's last output lines an IMAGE_BUILD_FAILED message carries. */
export const BUILD_LOG_TAIL_LINES = 30;

/** `repo` -> `repo:latest`; `repo:tag`, `host:5000/repo:tag` and ids (`sha256:...`) stay as they are. */
export function normalizeImageName(name: string): string {
  if (name.startsWith('sha256:')) return name;
  const lastSlash = name.lastIndexOf('/');
  return name.slice(lastSlash + 1).includes(':') ? name : `${name}:latest`;
}

/** `host:5000/repo:tag` -> { repository: 'host:5000/repo', tag: 'tag' } (tag `latest` when none). */
export function splitImageName(name: string): { readonly repository: string; readonly tag: string } {
  const normalized = normalizeImageName(name);
  const colon = normalized.lastIndexOf(':');
  return { repository: normalized.slice(0, colon), tag: normalized.slice(colon + 1) };
}

/** The changes `importImage` accepts, parsed: `ENV key=value` and `CMD ["json", "form"]`. */
export interface ImportChanges {
  readonly env: Readonly<Record<string, string>>;
  readonly cmd: readonly string[] | undefined;
}

/** Parses `importImage`'s changes; anything else is refused (INVALID_ARGUMENT) by both implementations. */
export function parseImportChanges(changes: readonly string[]): ImportChanges {
  const env: Record<string, string> = {};
  let cmd: string[] | undefined;
  for (const change of changes) {
    const envMatch = /^ENV\s+([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(change);
    if (envMatch?.[1] !== undefined) {
      env[envMatch[1]] = envMatch[2] ?? '';
      continue;
    }
    const cmdMatch = /^CMD\s+(\[.*\])$/.exec(change);
    const parsed = cmdMatch?.[1] === undefined ? undefined : jsonArray(cmdMatch[1]);
    if (parsed === undefined) {
      throw new SagesimError('INVALID_ARGUMENT', `an image import accepts only ENV key=value and CMD ["json", "form"] changes, not: ${change}`, { source: 'sagesim' });
    }
    cmd = parsed;
  }
  return { env, cmd };
}

function jsonArray(text: string): string[] | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A failed build or import: what failed, why, and the last lines of its output. */
export function imageBuildFailed(what: string, reason: string, logTail: readonly string[], cause?: unknown): SagesimError {
  const tail = logTail.slice(-BUILD_LOG_TAIL_LINES);
  const log = tail.length > 0 ? `\n${tail.map((line) => `  ${line}`).join('\n')}` : '';
  return new SagesimError('IMAGE_BUILD_FAILED', `${what} failed: ${reason}${log}`, { source: 'sagesim', ...(cause === undefined ? {} : { cause }) });
}
