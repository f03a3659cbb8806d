// The CLI's only window on the process: injectable so tests run commands in-process.
import type { Readable } from 'node:stream';

export interface OutputStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdin?: Readable;
  /** How the user starts sagesim (`npx sagesim`, `sagesim`): suggested commands use it. @default 'sagesim' */
  readonly invocation?: string;
  /** Where SIGINT and SIGTERM are observed; defaults to the process. Tests pass their own emitter. */
  readonly signals?: { on(event: StopSignal, listener: () => void): unknown; off(event: StopSignal, listener: () => void): unknown };
  /**
   * Ends the process at once: the last resort when a stop asked for by SIGINT/SIGTERM has not
   * finished in time (a peer that never answers). Absent in-process (tests): no forced exit.
   */
  readonly exit?: (code: number) => void;
}

/** The signals that ask a command to stop: Ctrl-C, and `timeout`, a cancelled CI job or `docker stop`. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

// Exit codes shared by every command: defined beside the error-code catalogue that uses them.
export { EXIT } from '../errors/exit-codes.js';

/** Thrown by a command to end with a given exit code after it has printed what it had to. */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
    this.name = 'ExitCode';
  }
}
