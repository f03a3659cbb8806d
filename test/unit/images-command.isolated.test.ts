// `sagesim images build` through the CLI shell, with the build itself replaced: Ctrl-C and SIGTERM
// must end the build (buildImages gets an AbortSignal) and the command with "stopped", exit 1.
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import type * as BuildImagesModule from '../../src/images/build-images.js';
import type { BuildImagesOptions } from '../../src/images/build-images.js';
import { StoppedError } from '../../src/errors.js';

const build = vi.hoisted(() => ({ calls: [] as BuildImagesOptions[], started: undefined as (() => void) | undefined }));

vi.mock('../../src/images/build-images.js', async (importOriginal) => {
  const original = await importOriginal<typeof BuildImagesModule>();
  return {
    ...original,
    imageStatus: () => Promise.resolve([{ name: 'knn', hash: 'abc123', tag: 'sagesim/knn:abc123', present: true }]),
    // A build that runs until its signal aborts, as the real script does.
    buildImages: (options: BuildImagesOptions) =>
      new Promise((_resolve, reject) => {
        build.calls.push(options);
        const { signal } = options;
        if (!signal) return reject(new Error('buildImages was given no signal: nothing can stop the build'));
        signal.addEventListener('abort', () => reject(new StoppedError('image build stopped')), { once: true });
        build.started?.();
      }),
  };
});

const { runCli } = await import('../../src/cli/main.js');

describe('sagesim images build', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s stops the build: "stopped", exit 1, no listener left', async (signal) => {
    const signals = new EventEmitter();
    let stderr = '';
    const started = new Promise<void>((resolve) => (build.started = resolve));
    const exit = runCli(['images', 'build', 'knn'], {
      stdout: { write: () => true },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      env: {},
      cwd: process.cwd(),
      signals: signals as never,
    });
    await Promise.race([started, exit]);
    signals.emit(signal);

    expect(await exit, stderr).toBe(1);
    expect(build.calls.at(-1)?.only).toEqual(['knn']);
    expect(stderr).toContain(`${signal}: stopping the image build`);
    expect(stderr).toMatch(/^stopped: /m);
    expect(signals.listenerCount('SIGINT') + signals.listenerCount('SIGTERM')).toBe(0);
  });
});

describe('sagesim images ls', () => {
  it('--json lists each image with its tag, content hash and whether it is built', async () => {
    let stdout = '';
    const code = await runCli(['images', 'ls', '--json'], { stdout: { write: (chunk: string) => (stdout += chunk) }, stderr: { write: () => true }, env: {}, cwd: process.cwd() });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ Images: [{ Name: 'sagesim/knn', Tag: 'sagesim/knn:abc123', Hash: 'abc123', Present: true }] });
  });
});
