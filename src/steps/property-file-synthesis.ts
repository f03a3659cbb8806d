// For `--stub-all` without a stubs file: a stand-in for a property file the stub was given no
// content for, holding a 0 at every path the definition's Std:JsonGet expressions read, so the
// pipeline's conditions can still be evaluated (and the run says so in a warning).
import type { PipelineDefinition } from '../engine/definition-types.js';
import { assertNever } from '../errors.js';
import { parseJsonPath } from '../engine/json-path.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../engine/json.js';

/** The placeholder leaf value: numbers are what property files are read for, nearly always. */
export const SYNTHESIZED_VALUE = 0;

/** JsonGet paths that read property file `fileName` of step `stepName`, anywhere in the definition. */
export function jsonGetPathsFor(definition: PipelineDefinition, stepName: string, fileName: string): string[] {
  return jsonGetPaths(definition, (body) => {
    const target = body['PropertyFile'];
    const reference = isJsonObject(target ?? null) ? (target as JsonObject)['Get'] : undefined;
    return target === fileName || reference === `Steps.${stepName}.PropertyFiles.${fileName}`;
  });
}

/**
 * JsonGet paths that read what `@step` function step `stepName` returned: expressions whose S3Uri
 * is built from `Steps.<stepName>.OutputDataConfig.S3OutputPath` (its results.json), as the SDK writes them.
 */
export function jsonGetPathsForStepOutput(definition: PipelineDefinition, stepName: string): string[] {
  const wanted = `Steps.${stepName}.OutputDataConfig.S3OutputPath`;
  const mentions = (value: unknown): boolean =>
    Array.isArray(value) ? value.some(mentions) : isJsonObject(value as JsonValue) ? Object.entries(value as JsonObject).some(([key, child]) => (key === 'Get' && child === wanted) || mentions(child)) : false;
  return jsonGetPaths(definition, (body) => mentions(body['S3Uri']));
}

/** The Path of every `Std:JsonGet` in the definition's steps whose body `reads` accepts. */
function jsonGetPaths(definition: PipelineDefinition, reads: (body: JsonObject) => boolean): string[] {
  const paths = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (!isJsonObject(value as JsonValue)) return;
    const object = value as JsonObject;
    const body = object['Std:JsonGet'];
    if (isJsonObject(body ?? null) && typeof (body as JsonObject)['Path'] === 'string' && reads(body as JsonObject)) {
      paths.add((body as JsonObject)['Path'] as string);
    }
    for (const child of Object.values(object)) visit(child);
  };
  visit(definition.Steps);
  return [...paths];
}

/** A JSON document with SYNTHESIZED_VALUE at each path (paths it cannot build are left out). */
export function synthesizeDocument(paths: readonly string[]): JsonValue {
  let root: JsonValue = {};
  for (const path of paths) {
    let segments;
    try {
      segments = parseJsonPath(path);
    } catch {
      continue;
    }
    if (segments.length === 0) continue;
    root = place(root, segments, 0);
  }
  return root;
}

type Segment = ReturnType<typeof parseJsonPath>[number];

function place(node: JsonValue, segments: readonly Segment[], at: number): JsonValue {
  const segment = segments[at];
  if (!segment) {
    // A longer path already built something here: keep it rather than cut it off.
    const built = (isJsonObject(node) && Object.keys(node).length > 0) || (Array.isArray(node) && node.length > 0);
    return built ? node : SYNTHESIZED_VALUE;
  }
  switch (segment.kind) {
    case 'member':
    case 'descendant': {
      const object: JsonObject = isJsonObject(node) ? node : {};
      object[segment.name] = place(object[segment.name] ?? {}, segments, at + 1);
      return object;
    }
    case 'index':
    case 'wildcard': {
      const index = segment.kind === 'index' ? segment.index : 0;
      const list: JsonValue[] = Array.isArray(node) ? node : [];
      while (list.length <= index) list.push({});
      list[index] = place(list[index] ?? {}, segments, at + 1);
      return list;
    }
    default:
      return assertNever(segment, 'JsonPath segment');
  }
}
