// Reading `--params file.json`: the engine parses the text (engine/parameters.ts); this is where
// the file is read, with an error that names it.
import { readFile } from 'node:fs/promises';
import { parseParamsText } from '../engine/parameters.js';
import { SagesimError } from '../errors.js';

/**
 * Reads `--params file.json`: a JSON object `{"Name": value}`, or the API's list
 * `[{"Name": "...", "Value": "..."}]` as StartPipelineExecution takes it.
 */
export async function readParamsFile(file: string): Promise<Record<string, string | number | boolean>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new SagesimError('FILE_NOT_FOUND', `cannot read parameters file ${file}`, { source: 'user', cause: error, hint: 'check the path given to --params' });
  }
  return parseParamsText(text, file);
}
