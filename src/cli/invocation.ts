// How the user started sagesim, so the commands it suggests ("Next", hints) can be pasted as they
// are: `npx sagesim ...` inside a project (npx, npm scripts, node_modules/.bin), `sagesim ...` when
// it is on the PATH (a global install).
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { inCommandWords } from '../errors/command-words.js';
import type { CliIo, OutputStream } from './cli-io.js';

/** `npx sagesim` or `sagesim`: the words that start a sagesim command in this user's shell. */
export function detectInvocation(env: CliIo['env'], script: string | undefined): string {
  // npx and npm scripts put node_modules/.bin on the PATH for this process only.
  if (env['npm_command'] === 'exec' || env['npm_lifecycle_event'] !== undefined) return 'npx sagesim';
  if (script !== undefined && onPath(env['PATH'], script)) return 'sagesim';
  return 'npx sagesim';
}

function onPath(searchPath: string | undefined, script: string): boolean {
  const target = realpath(script);
  if (target === undefined) return false;
  return (searchPath ?? '').split(path.delimiter).some((dir) => dir !== '' && realpath(path.join(dir, 'sagesim')) === target);
}

function realpath(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Commands are suggested all over sagesim in the words `sagesim <command>`, and the hints of errors
 * in those of a project's user (`npx sagesim <command>`, see errors/command-words.ts); the CLI,
 * which alone knows how it was started, rewrites both on the way out.
 */
export function withInvocation(out: OutputStream, invocation: string): OutputStream {
  return {
    write: (chunk: string) => out.write(typeof chunk === 'string' ? inCommandWords(chunk, invocation) : chunk),
    ...(out.isTTY === undefined ? {} : { isTTY: out.isTTY }),
    ...(out.columns === undefined ? {} : { columns: out.columns }),
  };
}
