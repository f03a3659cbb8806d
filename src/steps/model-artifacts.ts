// A model's artifacts (its ModelDataUrl) staged for a serving container, as SageMaker stages them:
// a model.tar.gz is downloaded and extracted into the folder mounted at /opt/ml/model, a prefix is
// downloaded as it is. A URL that is not there, or an archive that is not one, is the user's to fix.
import { mkdir, rm } from 'node:fs/promises';
import { extract as extractTar } from 'tar';
import { isSagesimError, StepFailure } from '../errors.js';
import { throwIfStopped, type JobContext } from './job-container.js';
import { downloadFile, downloadPrefix } from './staging.js';

/** Codes the staging layer and object stores use for artifacts that are not there. */
const MISSING_CODES = new Set(['S3_NOT_FOUND', 'S3_INPUT_NOT_FOUND', 'S3_NO_SUCH_BUCKET']);

/**
 * Stages `modelDataUrl` into `modelDir`; `archive` is where a model.tar.gz is downloaded first (and
 * removed once extracted, so it is not mounted with the model).
 */
export async function stageModelArtifacts(context: JobContext, modelDataUrl: string, modelDir: string, archive: string): Promise<void> {
  await mkdir(modelDir, { recursive: true });
  try {
    if (/\.(tar\.gz|tgz)$/.test(modelDataUrl)) {
      await downloadFile(context.objectStore, modelDataUrl, archive, { signal: context.signal });
      await extractTar({ file: archive, cwd: modelDir });
      await rm(archive, { force: true });
    } else {
      await downloadPrefix(context.objectStore, modelDataUrl, modelDir, { signal: context.signal });
    }
  } catch (error) {
    throwIfStopped(context.signal);
    if (isSagesimError(error) && MISSING_CODES.has(error.code)) {
      throw new StepFailure(
        `ClientError: step "${context.stepName}": the model's ModelDataUrl ${modelDataUrl} does not exist (in ${context.objectStore.description}); the step that trained the model must run first`,
        { code: 'MODEL_DATA_NOT_FOUND', source: 'user', cause: error },
      );
    }
    if (isSagesimError(error)) throw error;
    throw new StepFailure(`ClientError: step "${context.stepName}": cannot extract the model artifacts ${modelDataUrl}: ${(error as Error).message}`, {
      code: 'MODEL_DATA_INVALID',
      source: 'user',
      cause: error,
    });
  }
}
