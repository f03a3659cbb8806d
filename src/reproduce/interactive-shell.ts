// `sagesim reproduce --shell`: an interactive shell, on the user's terminal, in a container made
// exactly as the job's (image, environment, /opt/ml mounts, network), through the Docker Engine
// engine's interactive run (a TTY). The job's own command is in $SAGESIM_JOB_COMMAND, to run by hand.
import { SagesimError } from '../errors.js';
import type { ContainerEngine, ContainerSpec, TerminalSession } from '../ports/container-engine.js';

/** The user's terminal: stdin in raw mode, stdout with its size. */
export interface ShellTerminal {
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean; setRawMode?(mode: boolean): unknown };
  readonly stdout: NodeJS.WritableStream & {
    readonly isTTY?: boolean;
    readonly columns?: number;
    readonly rows?: number;
    on(event: 'resize', listener: () => void): unknown;
    off(event: 'resize', listener: () => void): unknown;
  };
}

/** bash when the image has it, else sh. */
const SHELL_SCRIPT = 'if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi';

/** The command the job's container would have run, quoted for a POSIX shell. */
export function jobCommandOf(spec: Pick<ContainerSpec, 'entrypoint' | 'command'>): string {
  return [...(spec.entrypoint ?? []), ...(spec.command ?? [])].map(shellQuote).join(' ');
}

export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Throws SagesimError `SHELL_NEEDS_TTY` unless stdin and stdout are terminals. */
export function checkTerminal(terminal: { readonly stdin?: { readonly isTTY?: boolean } | undefined; readonly stdout: { readonly isTTY?: boolean } }): void {
  if (terminal.stdin?.isTTY === true && terminal.stdout.isTTY === true) return;
  throw new SagesimError('SHELL_NEEDS_TTY', `--shell needs an interactive terminal, but ${terminal.stdin?.isTTY === true ? 'stdout' : 'stdin'} is not a TTY`, {
    source: 'user',
    hint: 'run it from a terminal (not a pipe, CI job or IDE task), or leave out --shell to run the job and read its log',
  });
}

/** Runs the shell to its end; resolves with its exit code. The container is removed whatever happens. */
export async function openInteractiveShell(spec: ContainerSpec, terminal: ShellTerminal, engine: Pick<ContainerEngine, 'runInteractive'>): Promise<number> {
  checkTerminal(terminal);
  const { stdin, stdout } = terminal;
  const session: TerminalSession = {
    input: stdin,
    output: stdout,
    size: () => (stdout.rows && stdout.columns ? { rows: stdout.rows, columns: stdout.columns } : undefined),
    onResize: (listener) => {
      stdout.on('resize', listener);
      return () => stdout.off('resize', listener);
    },
  };
  stdin.setRawMode?.(true);
  try {
    return await engine.runInteractive(shellSpec(spec), session);
  } finally {
    stdin.setRawMode?.(false);
    stdin.pause();
  }
}

/** The job's container with a shell for its entrypoint and the job's command in $SAGESIM_JOB_COMMAND. */
export function shellSpec(spec: ContainerSpec): ContainerSpec {
  return {
    ...spec,
    entrypoint: ['/bin/sh', '-c', SHELL_SCRIPT],
    command: [],
    env: { ...spec.env, SAGESIM_JOB_COMMAND: jobCommandOf(spec) },
    labels: { ...spec.labels, 'sagesim.reproduction': 'shell' },
  };
}
