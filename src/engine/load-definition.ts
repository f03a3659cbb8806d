// Loads a pipeline definition from JSON text: the SDK's definition() output, or a DescribePipeline
// response holding it as a string. Validation runs here, once. Files are read by the caller
// (app/definition-file.ts): the engine does no I/O.
import { DefinitionError, SagesimError } from '../errors.js';
import type { PipelineDefinition } from './definition-types.js';
import { notJsonDetail } from './json-error-position.js';
import { isJsonObject } from './json.js';
import { type ValidationResult, validateDefinition } from './validate.js';

/** Parses and validates; throws SagesimError NOT_JSON, or DefinitionError with every problem. */
export function parseDefinition(text: string, source: string): PipelineDefinition {
  const result = validateDefinitionText(text, source);
  if (!result.definition) throw new DefinitionError(result.problems, source);
  return result.definition;
}

/**
 * For `sagesim validate`: the problems of a definition, without throwing on an invalid one.
 * Text that is not JSON still throws SagesimError NOT_JSON.
 */
export function validateDefinitionText(text: string, source: string): ValidationResult {
  const raw = unwrapDescribePipeline(parseJson(text, source), source);
  return validateDefinition(raw);
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new SagesimError('NOT_JSON', `${source} is not JSON${notJsonDetail(text, error)}`, {
      source: 'user',
      cause: error,
      hint: 'give the JSON string that pipeline.definition() returns, or a DescribePipeline response',
    });
  }
}

/** A DescribePipeline response carries the definition as a JSON string in `PipelineDefinition`. */
function unwrapDescribePipeline(raw: unknown, source: string): unknown {
  if (!isJsonObject(raw as never)) return raw;
  const inner = (raw as Record<string, unknown>)['PipelineDefinition'];
  if (typeof inner !== 'string' || (raw as Record<string, unknown>)['Version'] !== undefined) return raw;
  return parseJson(inner, `${source} (PipelineDefinition)`);
}
