// SIGINT/SIGTERM end the CLI within seconds whatever a peer does: the stop is asked for at once,
// and when it has not finished by STOP_DEADLINE_MS (a wedged engine or S3 never answers) the CLI
// ends the process itself, saying why.
import type { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { STOP_DEADLINE_MS, executeWithProgress } from '../../src/cli/run-session.js';
import type { ExecutionRecord } from '../../src/engine/execution-record.js';
import { captureIo } from './support/capture-io.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('the stop deadline', () => {
  it('a run that ignores its stop signal is ended STOP_DEADLINE_MS after SIGTERM, with a message', async () => {
    vi.useFakeTimers();
    const exits: number[] = [];
    const io = { ...captureIo('/tmp'), exit: (code: number) => void exits.push(code) };
    let seenSignal: AbortSignal | undefined;
    // A run stuck on a peer: it sees the abort but never settles.
    void executeWithProgress(io, {}, resolveConfig({ cwd: '/tmp' }), (_reporter, signal) => {
      seenSignal = signal;
      return new Promise<ExecutionRecord>(() => undefined);
    });
    await vi.advanceTimersByTimeAsync(10);
    (io.signals as unknown as EventEmitter).emit('SIGTERM');
    expect(seenSignal?.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(STOP_DEADLINE_MS - 100);
    expect(exits).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    expect(exits).toEqual([1]);
    expect(io.err()).toMatch(/still not stopped after \d+ s .*exiting/);
  });

  it('without io.exit (in-process), nothing is forced', async () => {
    vi.useFakeTimers();
    const io = captureIo('/tmp');
    void executeWithProgress(io, {}, resolveConfig({ cwd: '/tmp' }), () => new Promise<ExecutionRecord>(() => undefined));
    await vi.advanceTimersByTimeAsync(10);
    (io.signals as unknown as EventEmitter).emit('SIGINT');
    await vi.advanceTimersByTimeAsync(STOP_DEADLINE_MS * 2);
    expect(io.err()).not.toMatch(/still not stopped/);
  });
});
