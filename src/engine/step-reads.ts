// What a job step reads from S3, and the identity of every object it read: the content-aware half
// of the cache. The cloud keys its cache on arguments only, so an object replaced at the same URI
// (a script placed again, a data prefix refreshed) would be reused stale; sagesim compares these.
import { isSagesimError } from '../errors.js';
import type { ObjectInfo, ObjectStore } from '../ports/object-store.js';
import { parseManifest } from '../ports/s3-manifest.js';
import type { PipelineStep } from './definition-types.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';

/** One S3 input of a step, as its resolved arguments name it. */
export interface StepInput {
  readonly uri: string;
  /** S3Prefix: every object under the URI; ManifestFile: the manifest and the objects it lists; Object: that one object. */
  readonly kind: 'S3Prefix' | 'ManifestFile' | 'Object';
  /** JSON path of the URI in the step's arguments, for messages. */
  readonly path: string;
}

/** An input as read: identity (ETag, or size and modification time) of each object, by URI. */
export interface InputSnapshot {
  readonly uri: string;
  readonly kind: StepInput['kind'];
  readonly objects: Readonly<Record<string, string>>;
}

/** The S3 inputs of a job step, from its resolved arguments. Steps of other types read none. */
export function stepInputs(step: Pick<PipelineStep, 'Type'>, args: JsonObject): StepInput[] {
  const out: StepInput[] = [];
  const add = (uri: JsonValue | undefined, kind: JsonValue | undefined, jsonPath: string): void => {
    if (typeof uri !== 'string' || !uri.startsWith('s3://')) return;
    out.push({ uri, kind: kind === 'ManifestFile' || kind === 'AugmentedManifestFile' ? 'ManifestFile' : 'S3Prefix', path: jsonPath });
  };
  const channels = (config: JsonValue | undefined, base: string): void => {
    if (!Array.isArray(config)) return;
    config.forEach((channel, i) => {
      const s3 = child(child(channel, 'DataSource'), 'S3DataSource');
      add(child(s3, 'S3Uri'), child(s3, 'S3DataType'), `${base}[${i}].DataSource.S3DataSource.S3Uri`);
    });
  };
  const submitDirectory = (hyperParameters: JsonValue | undefined, base: string): void => {
    // Script mode: the SDK passes the code's URI as a JSON-quoted hyperparameter.
    const raw = child(hyperParameters, 'sagemaker_submit_directory');
    if (typeof raw !== 'string') return;
    const uri = raw.replace(/^"|"$/g, '');
    if (uri.startsWith('s3://')) out.push({ uri, kind: 'Object', path: `${base}.sagemaker_submit_directory` });
  };
  switch (step.Type) {
    case 'Processing': {
      const inputs = args['ProcessingInputs'];
      if (Array.isArray(inputs)) {
        inputs.forEach((input, i) => {
          const s3 = child(input, 'S3Input');
          add(child(s3, 'S3Uri'), child(s3, 'S3DataType'), `Arguments.ProcessingInputs[${i}].S3Input.S3Uri`);
        });
      }
      break;
    }
    case 'Training':
      channels(args['InputDataConfig'], 'Arguments.InputDataConfig');
      submitDirectory(args['HyperParameters'], 'Arguments.HyperParameters');
      break;
    case 'Tuning': {
      const definitions = [args['TrainingJobDefinition'], ...(Array.isArray(args['TrainingJobDefinitions']) ? args['TrainingJobDefinitions'] : [])];
      definitions.forEach((definition, i) => {
        const base = i === 0 ? 'Arguments.TrainingJobDefinition' : `Arguments.TrainingJobDefinitions[${i - 1}]`;
        channels(child(definition, 'InputDataConfig'), `${base}.InputDataConfig`);
        submitDirectory(child(definition, 'StaticHyperParameters'), `${base}.StaticHyperParameters`);
      });
      break;
    }
    case 'Transform': {
      const s3 = child(child(args['TransformInput'], 'DataSource'), 'S3DataSource');
      add(child(s3, 'S3Uri'), child(s3, 'S3DataType'), 'Arguments.TransformInput.DataSource.S3DataSource.S3Uri');
      break;
    }
    default:
      break;
  }
  return out;
}

/** What identifies an object's content: its ETag, else its size and modification time. */
export function objectIdentity(info: ObjectInfo): string {
  if (info.etag !== undefined && info.etag !== '') return `etag:${info.etag}`;
  return `size:${info.size};mtime:${info.lastModified?.toISOString() ?? '?'}`;
}

/** Reads the identity of every object each input covers now. A missing input has no objects. */
export async function snapshotInputs(store: ObjectStore, inputs: readonly Pick<StepInput, 'uri' | 'kind'>[]): Promise<InputSnapshot[]> {
  return Promise.all(inputs.map(async (input) => ({ uri: input.uri, kind: input.kind, objects: await identities(store, input) })));
}

async function identities(store: ObjectStore, input: Pick<StepInput, 'uri' | 'kind'>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const listed = input.kind === 'Object' ? (await store.list(input.uri)).filter((o) => o.uri === input.uri) : await store.list(input.uri);
  for (const object of listed) if (!object.key.endsWith('/')) out[object.uri] = objectIdentity(object);
  if (input.kind !== 'ManifestFile') return out;
  // The manifest's own identity is in `out`; the objects it lists count too.
  let text: string;
  try {
    text = (await store.get(input.uri)).toString('utf8');
  } catch (error) {
    if (isSagesimError(error) && error.code === 'S3_NOT_FOUND') return out;
    throw error;
  }
  let listedUris: string[];
  try {
    listedUris = parseManifest(text, input.uri).map((entry) => entry.uri);
  } catch {
    // A broken manifest fails the step when it runs; its own identity already says it changed.
    return out;
  }
  for (const uri of listedUris) {
    const found = (await store.list(uri)).find((o) => o.uri === uri);
    out[uri] = found ? objectIdentity(found) : 'missing';
  }
  return out;
}

/**
 * The first difference between what a cached step read and what its inputs hold now, said as the
 * user would check it ("s3://b/code/evaluate.py changed"), or undefined when nothing changed.
 */
export function describeChange(recorded: readonly InputSnapshot[], current: readonly InputSnapshot[]): string | undefined {
  for (const before of recorded) {
    const now = current.find((snapshot) => snapshot.uri === before.uri && snapshot.kind === before.kind);
    const nowObjects = now?.objects ?? {};
    for (const [uri, identity] of Object.entries(before.objects)) {
      const currentIdentity = nowObjects[uri];
      const existsNow = currentIdentity !== undefined && currentIdentity !== 'missing';
      if (identity === 'missing') {
        if (existsNow) return `${uri} appeared`;
        continue;
      }
      if (!existsNow) return `${uri} was deleted`;
      if (currentIdentity !== identity) return `${uri} changed`;
    }
    for (const uri of Object.keys(nowObjects)) {
      if (!(uri in before.objects)) return `${uri} is new under ${before.uri}`;
    }
  }
  return undefined;
}

function child(value: JsonValue | undefined, name: string): JsonValue | undefined {
  return isJsonObject(value) ? value[name] : undefined;
}
