// The pipeline name an execution of a definition file gets when the user names none: the
// DescribePipeline response's PipelineName, the definition's Metadata, or the file's name.
import path from 'node:path';
import type { PipelineDefinition } from './definition-types.js';
import { isJsonObject } from './json.js';

/** A pipeline name for a definition file, made to fit SageMaker's name pattern. */
export function defaultPipelineName(file: string, definition: PipelineDefinition, text?: string): string {
  const fromDescribe = text === undefined ? undefined : describePipelineName(text);
  const fromMetadata = definition.Metadata?.['PipelineName'];
  const candidate =
    fromDescribe ?? (typeof fromMetadata === 'string' && fromMetadata ? fromMetadata : nameFromFile(file));
  const cleaned = candidate
    .replace(/[^A-Za-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 256);
  return cleaned || 'pipeline';
}

function describePipelineName(text: string): string | undefined {
  try {
    const raw: unknown = JSON.parse(text);
    if (!isJsonObject(raw as never)) return undefined;
    const name = (raw as Record<string, unknown>)['PipelineName'];
    return typeof name === 'string' && name ? name : undefined;
  } catch {
    return undefined;
  }
}

/** `fixtures/housing/pipeline.json` -> `housing`; `abalone.json` -> `abalone`. */
function nameFromFile(file: string): string {
  const base = path.basename(file).replace(/\.json$/i, '');
  const generic = /^(pipeline|definition|pipeline-definition)$/i.test(base);
  return generic ? path.basename(path.dirname(path.resolve(file))) : base;
}
