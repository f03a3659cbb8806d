// Runs containers/base/make-rootfs.sh (debootstrap stays in shell: it needs root, chroot and dpkg),
// streaming its lines as `sagesim/base: ...` progress. With a signal the script gets its own
// process group, so an abort reaches what bash waits on (debootstrap): bash alone defers SIGTERM.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { SagesimError } from '../errors.js';
import { BUILD_LOG_TAIL_LINES } from '../ports/image-refs.js';
import type { ImageBuildContext } from './image-build-context.js';
import { splitLines } from './split-lines.js';

/** Writes the base root file system to `tarball` (the script writes `<tarball>.partial`, then renames). */
export function makeRootfs(context: ImageBuildContext, tarball: string, baseRepository: string): Promise<void> {
  const script = path.join(context.dir, 'base', 'make-rootfs.sh');
  const env: Record<string, string | undefined> = { ...context.env };
  return new Promise((resolve, reject) => {
    const ownGroup = context.signal !== undefined;
    const child = spawn('bash', [script, tarball], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: ownGroup });
    const tail: string[] = [];
    const onLine = (line: string): void => {
      tail.push(line);
      if (tail.length > BUILD_LOG_TAIL_LINES) tail.shift();
      context.say(`${baseRepository}: ${line}`);
    };
    const onAbort = (): void => {
      try {
        if (ownGroup && child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
        else child.kill('SIGTERM');
      } catch {
        // Already gone.
      }
    };
    context.signal?.addEventListener('abort', onAbort, { once: true });
    splitLines(child.stdout, onLine);
    splitLines(child.stderr, onLine);
    child.on('error', (cause) => {
      reject(new SagesimError('IMAGE_BUILD_FAILED', `cannot run ${script}: ${cause.message}`, { cause, hint: 'bash must be installed' }));
    });
    child.on('close', (code, signal) => {
      context.signal?.removeEventListener('abort', onAbort);
      if (code === 0) return resolve();
      if (context.signal?.aborted) return reject(context.signal.reason as Error);
      const how = code === null ? `signal ${signal ?? '?'}` : `exit ${code}`;
      reject(
        new SagesimError('IMAGE_BUILD_FAILED', `${baseRepository}: making the root file system with debootstrap failed (${how}):\n${tail.map((l) => `  ${l}`).join('\n')}`, {
          hint: 'debootstrap needs root and a reachable Debian mirror (set DEBOOTSTRAP_MIRROR to use another); or build the base FROM debian:bookworm-slim with SAGESIM_BASE_METHOD=dockerfile (needs an image registry)',
        }),
      );
    });
  });
}
