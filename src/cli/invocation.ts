// How the user started sagesim, so the commands it suggests ("Next", hints) can be pasted as they
// are: `npx sagesim ...` inside a project (npx, npm scripts, node_modules/.bin), `sagesim ...` when
// it is on the PATH (a global install).
import { realpathSync } from 'node:fs';
import path from 'node:path';
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
 * Commands are suggested all over sagesim in the words `sagesim <command>`; the CLI, which alone
 * knows how it was started, rewrites those words on the way out. Only `sagesim` followed by one
 * of its commands is touched (not `sagesim/sklearn`, not `sagesim serve:` headings).
 */
export function withInvocation(out: OutputStream, invocation: string, commands: readonly string[]): OutputStream {
  if (invocation === 'sagesim') return out;
  let mention: RegExp | undefined;
  const rewrite = (chunk: string): string => {
    if (commands.length === 0) return chunk;
    mention ??= new RegExp(`(^|[\\s\`'"(])sagesim (?=(?:${commands.join('|')})(?:[\\s\`'")]|$))`, 'gm');
    return chunk.replace(mention, `$1${invocation} `);
  };
  return {
    write: (chunk: string) => out.write(typeof chunk === 'string' ? rewrite(chunk) : chunk),
    ...(out.isTTY === undefined ? {} : { isTTY: out.isTTY }),
    ...(out.columns === undefined ? {} : { columns: out.columns }),
  };
}
