// `sagesim reproduce --shell`: an interactive shell, on the user's terminal, in a container made
// exactly as the job's (image, environment, /opt/ml mounts, network), through the Docker Engine
// API with a TTY. The job's own command is in $SAGESIM_JOB_COMMAND, to run by hand.
import { SagesimError } from '../errors.js';
import { PID_LABEL, type ContainerSpec } from '../steps/container-runtime.js';

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

export interface InteractiveShellOptions {
  /** @default '/var/run/docker.sock' */
  readonly socketPath?: string;
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
export async function openInteractiveShell(spec: ContainerSpec, terminal: ShellTerminal, options: InteractiveShellOptions = {}): Promise<number> {
  checkTerminal(terminal);
  const { default: Docker } = await import('dockerode'); // loaded when a shell opens, not at CLI start
  const docker = new Docker({ socketPath: options.socketPath ?? '/var/run/docker.sock' });
  const container = await docker.createContainer({
    Image: spec.image,
    Entrypoint: ['/bin/sh', '-c', SHELL_SCRIPT],
    Cmd: [],
    Env: [...Object.entries(spec.env).map(([key, value]) => `${key}=${value}`), `SAGESIM_JOB_COMMAND=${jobCommandOf(spec)}`],
    Labels: { ...spec.labels, [PID_LABEL]: String(process.pid), 'sagesim.reproduction': 'shell' },
    Tty: true,
    OpenStdin: true,
    StdinOnce: false,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    ...(spec.workingDir === undefined ? {} : { WorkingDir: spec.workingDir }),
    ...(spec.network === 'none' ? { NetworkDisabled: true } : {}),
    HostConfig: {
      NetworkMode: spec.network,
      Mounts: spec.mounts.map((mount) => ({ Type: 'bind' as const, Source: mount.hostPath, Target: mount.containerPath, ReadOnly: mount.readOnly === true })),
      ...(spec.memoryBytes === undefined ? {} : { Memory: spec.memoryBytes, MemorySwap: spec.memoryBytes }),
    },
  });
  const { stdin, stdout } = terminal;
  const forwardInput = (chunk: Buffer | string): void => {
    stream.write(chunk);
  };
  const resize = (): void => {
    if (stdout.rows && stdout.columns) container.resize({ h: stdout.rows, w: stdout.columns }).catch(() => undefined);
  };
  let stream: NodeJS.ReadWriteStream;
  try {
    stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as NodeJS.ReadWriteStream;
    // With a TTY the stream is raw (not multiplexed): the terminal gets it as it is.
    stream.on('data', (chunk: Buffer) => stdout.write(chunk));
    await container.start();
    resize();
    stdout.on('resize', resize);
    stdin.setRawMode?.(true);
    stdin.on('data', forwardInput);
    stdin.resume();
    const result = (await container.wait()) as { StatusCode?: number };
    return result.StatusCode ?? 0;
  } finally {
    stdin.off('data', forwardInput);
    stdin.setRawMode?.(false);
    stdin.pause();
    stdout.off('resize', resize);
    await container.remove({ force: true }).catch(() => undefined);
  }
}
