// Scratch folders for step attempts: `<execution>/steps/<step>/attempt-<n>`, and
// `attempt-<n>-run-<k>` when an earlier run of a retried execution used that attempt number.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { stepAttemptsDir } from './store-layout.js';

/** The folder's path; it is created empty unless `create` is false (stubs need none). */
export async function makeStepWorkDir(executionDir: string, stepName: string, attempt: number, options: { readonly create?: boolean } = {}): Promise<string> {
  const stepDir = stepAttemptsDir(executionDir, stepName);
  const first = path.join(stepDir, `attempt-${attempt}`);
  if (options.create === false) return first;
  await mkdir(stepDir, { recursive: true });
  // A retried execution numbers its attempts from 1 again. Each run gets a folder of its own, so
  // that it never sees what a failed run left; the failed run's files stay for inspection (and
  // may belong to root, written by a container, so removing them could fail anyway).
  for (let run = 1; ; run++) {
    const dir = run === 1 ? first : `${first}-run-${run}`;
    try {
      await mkdir(dir);
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
