// A step's output as a file, `<execution>/logs/<step>.log`: lines are batched, one append per
// burst, so that a chatty container does not cost one write per line; failures surface on close.
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { SagesimError } from '../errors.js';
import type { StepLogSink } from '../engine/execution-store.js';
import { stepLogRelativePath } from './store-layout.js';

export function openStepLogFile(executionDir: string, stepName: string): StepLogSink {
  const relativePath = stepLogRelativePath(stepName);
  const file = path.join(executionDir, relativePath);
  let buffered: string[] = [];
  let writing: Promise<void> | undefined;
  let madeDir = false;
  let failure: unknown;
  const drain = async (): Promise<void> => {
    while (buffered.length > 0) {
      const chunk = buffered.join('');
      buffered = [];
      try {
        // The folder is made before the first append only: a step that prints nothing has no log.
        if (!madeDir) await mkdir(path.dirname(file), { recursive: true });
        madeDir = true;
        await appendFile(file, chunk);
      } catch (error) {
        failure ??= error;
      }
    }
    writing = undefined;
  };
  return {
    path: file,
    relativePath,
    write: (line) => {
      buffered.push(line.endsWith('\n') ? line : `${line}\n`);
      writing ??= drain();
    },
    close: async () => {
      while (writing) await writing;
      if (failure !== undefined) {
        throw new SagesimError('STEP_LOG_WRITE_FAILED', `cannot write step log ${file}: ${(failure as Error).message}`, { cause: failure });
      }
    },
  };
}
