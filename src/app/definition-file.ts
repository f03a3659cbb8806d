// Reading a pipeline definition from a file: the engine parses and validates text it is given
// (engine/load-definition.ts); this is where the file is read, with an error that names it.
import { readFile } from 'node:fs/promises';
import type { PipelineDefinition } from '../engine/definition-types.js';
import { parseDefinition } from '../engine/load-definition.js';
import { SagesimError } from '../errors.js';

/** Reads, parses and validates a definition file; a missing file is SagesimError FILE_NOT_FOUND. */
export async function loadDefinitionFile(file: string): Promise<PipelineDefinition> {
  return parseDefinition(await readDefinitionText(file), file);
}

/** The text of a definition file, with a user-facing error when it cannot be read. */
export async function readDefinitionText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new SagesimError('FILE_NOT_FOUND', `definition file not found: ${file}`, {
        source: 'user',
        cause: error,
        hint: 'check the path; export a definition with `pipeline.definition()` in the SageMaker Python SDK',
      });
    }
    throw new SagesimError('FILE_NOT_READABLE', `cannot read definition file ${file}: ${(error as Error).message}`, {
      source: 'user',
      cause: error,
      hint: code === 'EISDIR' ? 'give the path of the definition JSON file, not of a folder' : 'check that the file is readable',
    });
  }
}
