// A container with a TTY on the user's terminal: attached (stdin included) before it starts, its
// raw output passed through, resized with the terminal, removed whatever happens.
import type Docker from 'dockerode';
import type { TerminalSession } from '../../ports/container-engine.js';
import type { DockerApi } from './docker-api.js';
import { removeContainer } from './container-run.js';

/** Runs `container` (created with Tty and OpenStdin) to its end; resolves with its exit code. */
export async function runInteractive(api: DockerApi, container: Docker.Container, terminal: TerminalSession): Promise<number> {
  let stream: NodeJS.ReadWriteStream | undefined;
  const forwardInput = (chunk: Buffer | string): void => {
    stream?.write(chunk);
  };
  const resize = (): void => {
    const size = terminal.size?.();
    if (size && size.rows > 0 && size.columns > 0) container.resize({ h: size.rows, w: size.columns }).catch(() => undefined);
  };
  let stopResizing: (() => void) | undefined;
  try {
    stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as NodeJS.ReadWriteStream;
    // With a TTY the stream is raw (not multiplexed): the terminal gets it as it is.
    stream.on('data', (chunk: Buffer) => terminal.output.write(chunk));
    await container.start();
    resize();
    stopResizing = terminal.onResize?.(resize);
    terminal.input.on('data', forwardInput);
    terminal.input.resume();
    const result = (await container.wait()) as { StatusCode?: number };
    return result.StatusCode ?? 0;
  } catch (cause) {
    throw api.apiError('run an interactive container', cause);
  } finally {
    terminal.input.off('data', forwardInput);
    stopResizing?.();
    stream?.end();
    await removeContainer(api, container).catch(() => undefined);
  }
}
