// Property files (PropertyFiles): JSON documents a step writes to one of its processing outputs,
// read after it succeeds so `Std:JsonGet` can pick values out of them downstream.
import { StepFailure, isSagesimError } from '../errors.js';
import { joinS3, type ObjectStore } from '../ports/object-store.js';
import { MAX_VALUE_DEPTH } from './definition-limits.js';
import type { PipelineStep } from './definition-types.js';
import { nestsDeeperThan } from './json-depth.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';

/** The S3Uri of the processing output called `outputName`, from Describe*-shaped properties. */
export function processingOutputUri(properties: JsonObject, outputName: string): string | undefined {
  const config = properties['ProcessingOutputConfig'];
  const outputs = isJsonObject(config) ? config['Outputs'] : undefined;
  if (!Array.isArray(outputs)) return undefined;
  const output = outputs.find((o) => isJsonObject(o) && o['OutputName'] === outputName);
  const s3 = isJsonObject(output) ? output['S3Output'] : undefined;
  const uri = isJsonObject(s3) ? s3['S3Uri'] : undefined;
  return typeof uri === 'string' ? uri : undefined;
}

/** Reads each declared property file from `<output S3Uri>/<FilePath>` and parses it as JSON. */
export async function readPropertyFiles(objectStore: ObjectStore, step: PipelineStep, properties: JsonObject): Promise<Record<string, JsonValue>> {
  const declarations = 'PropertyFiles' in step ? (step.PropertyFiles ?? []) : [];
  const out: Record<string, JsonValue> = {};
  for (const declaration of declarations) {
    const name = declaration.PropertyFileName;
    const outputUri = processingOutputUri(properties, declaration.OutputName);
    if (!outputUri) {
      throw new StepFailure(`property file ${name}: the step has no output named "${declaration.OutputName}"`, { code: 'PROPERTY_FILE_OUTPUT_NOT_FOUND', source: 'user' });
    }
    const uri = joinS3(outputUri, declaration.FilePath);
    let text: string;
    try {
      text = (await objectStore.get(uri)).toString('utf8');
    } catch (cause) {
      const missing = isSagesimError(cause) && cause.code === 'S3_NOT_FOUND';
      throw new StepFailure(
        missing
          ? `property file ${name} was not written: no object at ${uri} (output ${declaration.OutputName}, FilePath ${declaration.FilePath}). For a stub, give its content: {"${step.Name}": {"propertyFiles": {"${name}": {...}}}} in --stubs`
          : `property file ${name}: cannot read ${uri}: ${(cause as Error).message}`,
        { code: 'PROPERTY_FILE_NOT_FOUND', source: 'user', cause },
      );
    }
    let content: JsonValue;
    try {
      content = JSON.parse(text) as JsonValue;
    } catch (cause) {
      throw new StepFailure(`property file ${name} at ${uri} is not JSON: ${(cause as Error).message}`, { code: 'PROPERTY_FILE_NOT_JSON', source: 'user', cause });
    }
    // The content is kept in the execution record and walked by expressions: bounded like a definition's values.
    if (nestsDeeperThan(content, MAX_VALUE_DEPTH)) {
      throw new StepFailure(`property file ${name} at ${uri} nests more than ${MAX_VALUE_DEPTH} levels of lists and objects`, { code: 'PROPERTY_FILE_TOO_DEEP', source: 'user' });
    }
    out[name] = content;
  }
  return out;
}
