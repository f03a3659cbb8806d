// An in-process CliIo for CLI tests: records what a command prints, and gives it its own signal
// emitter so that no test's command listens on the real process.
import { EventEmitter } from 'node:events';
import type { CliIo } from '../../../src/cli/cli-io.js';

export interface CapturedIo extends CliIo {
  /** Everything written to stdout so far. */
  out(): string;
  /** Everything written to stderr so far. */
  err(): string;
}

export function captureIo(cwd: string, env: CliIo['env'] = {}): CapturedIo {
  let out = '';
  let err = '';
  return {
    stdout: { write: (chunk: string) => (out += chunk) },
    stderr: { write: (chunk: string) => (err += chunk) },
    env,
    cwd,
    signals: new EventEmitter() as unknown as NonNullable<CliIo['signals']>,
    out: () => out,
    err: () => err,
  };
}
