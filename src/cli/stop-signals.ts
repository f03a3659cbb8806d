// SIGINT (Ctrl-C) and SIGTERM (`timeout`, a cancelled CI job, `docker stop`) both mean "stop":
// a command that handles one handles both, through here. Without a listener, SIGTERM would end
// Node at once, leaving containers running and executions recorded as Executing.
import type { CliIo, StopSignal } from './cli-io.js';

export const STOP_SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM'];

/** Calls `listener` on every SIGINT and SIGTERM until the returned function is called. */
export function onStopSignal(io: CliIo, listener: (signal: StopSignal) => void): () => void {
  const signals = io.signals ?? process;
  const handlers = STOP_SIGNALS.map((signal) => [signal, (): void => listener(signal)] as const);
  for (const [signal, handler] of handlers) signals.on(signal, handler);
  return () => {
    for (const [signal, handler] of handlers) signals.off(signal, handler);
  };
}
