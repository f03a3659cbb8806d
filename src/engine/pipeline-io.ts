// What a pipeline reads, writes and runs, found from the definition alone (before any run): the
// S3 URIs each step reads and writes, and the images it runs. Expressions are rendered as far as
// they can be: parameters take their values, execution variables and step properties stay as
// `{...}` placeholders and mark the URI as per-execution or produced by a step.
import type { ParameterValue, PipelineDefinition, PipelineStep } from './definition-types.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import { stepInputs } from './step-reads.js';

/** Where a rendered value comes from. */
export type ValueOrigin =
  /** Fixed text or parameter values: the same in every execution. */
  | { readonly kind: 'fixed' }
  /** Holds an execution variable (the execution id, ...): different in every execution. */
  | { readonly kind: 'per-execution' }
  /** Holds a property of another step: that step produces it. */
  | { readonly kind: 'from-step'; readonly step: string };

export interface PipelineUri {
  /** The URI with placeholders for what is known only at run time. */
  readonly uri: string;
  readonly origin: ValueOrigin;
  readonly step: string;
  /** JSON path of the value in the definition. */
  readonly path: string;
}

export interface PipelineRead extends PipelineUri {
  readonly kind: 'S3Prefix' | 'ManifestFile' | 'Object';
  /** The step whose written URI covers this one, when a step writes it at a fixed URI. */
  readonly producedBy?: string;
}

export interface PipelineImage {
  readonly uri: string;
  readonly origin: ValueOrigin;
  readonly step: string;
  readonly stepType: PipelineStep['Type'];
  readonly path: string;
}

/** A step with its JSON path in the definition (steps in Condition branches included). */
export interface LocatedStep {
  readonly step: PipelineStep;
  readonly path: string;
  /** True inside a Condition's IfSteps or ElseSteps: it may not run. */
  readonly inBranch: boolean;
}

export interface PipelineIo {
  readonly reads: readonly PipelineRead[];
  readonly writes: readonly PipelineUri[];
  readonly images: readonly PipelineImage[];
}

/** Every step with its JSON path, depth first as flattenSteps orders them. */
export function locateSteps(definition: PipelineDefinition): LocatedStep[] {
  const out: LocatedStep[] = [];
  const visit = (steps: readonly PipelineStep[], base: string, inBranch: boolean): void => {
    steps.forEach((step, i) => {
      const at = `${base}[${i}]`;
      out.push({ step, path: at, inBranch });
      if (step.Type === 'Condition') {
        visit(step.Arguments.IfSteps ?? [], `${at}.Arguments.IfSteps`, true);
        visit(step.Arguments.ElseSteps ?? [], `${at}.Arguments.ElseSteps`, true);
      }
    });
  };
  visit(definition.Steps, '$.Steps', false);
  return out;
}

/** The reads, writes and images of a pipeline, with `parameters` (defaults where not given). */
export function pipelineIo(definition: PipelineDefinition, parameters: Readonly<Record<string, ParameterValue>> = {}): PipelineIo {
  const values = new Map<string, ParameterValue>();
  for (const declaration of definition.Parameters ?? []) {
    const value = Object.hasOwn(parameters, declaration.Name) ? parameters[declaration.Name] : declaration.DefaultValue;
    if (value !== undefined) values.set(declaration.Name, value);
  }
  const reads: PipelineRead[] = [];
  const writes: PipelineUri[] = [];
  const images: PipelineImage[] = [];
  for (const located of locateSteps(definition)) {
    const { step } = located;
    if (step.Type === 'Condition' || step.Type === 'Fail' || step.Type === 'Callback') continue;
    const origins = new Map<string, ValueOrigin>();
    const rendered = step.Type === 'Lambda' ? {} : renderStatic(step.Arguments as unknown as JsonValue, values, origins);
    const args = isJsonObject(rendered) ? rendered : {};
    const originOf = (uri: string): ValueOrigin => origins.get(uri) ?? { kind: 'fixed' };
    for (const input of stepInputs(step, args)) {
      reads.push({ uri: input.uri, kind: input.kind, origin: originOf(input.uri), step: step.Name, path: `${located.path}.${input.path}` });
    }
    for (const output of stepOutputs(step.Type, args)) {
      writes.push({ uri: output.uri, origin: originOf(output.uri), step: step.Name, path: `${located.path}.${output.path}` });
    }
    for (const image of stepImages(step.Type, args)) {
      images.push({ uri: image.uri, origin: originOf(image.uri), step: step.Name, stepType: step.Type, path: `${located.path}.${image.path}` });
    }
  }
  // A fixed read under a URI some step writes at a fixed URI is that step's output, not a seed.
  const fixedWrites = writes.filter((w) => w.origin.kind === 'fixed');
  const withProducers = reads.map((read): PipelineRead => {
    if (read.origin.kind !== 'fixed') return read;
    const producer = fixedWrites.find((w) => w.step !== read.step && under(read.uri, w.uri));
    return producer ? { ...read, producedBy: producer.step } : read;
  });
  return { reads: withProducers, writes, images };
}

/** Reads that must be in S3 before the pipeline runs: fixed URIs no step produces. */
export function seedReads(io: PipelineIo): PipelineRead[] {
  return io.reads.filter((read) => read.origin.kind === 'fixed' && read.producedBy === undefined);
}

/** `uri` equals `prefix` or lies under it as a folder. */
export function under(uri: string, prefix: string): boolean {
  const base = prefix.replace(/\/+$/, '');
  return uri === base || uri.startsWith(`${base}/`);
}

/**
 * Renders expressions to text: Parameters take their values, anything else known only at run time
 * becomes a `{...}` placeholder. `origins` receives the origin of every rendered string that is
 * not fixed.
 */
function renderStatic(value: JsonValue, parameters: ReadonlyMap<string, ParameterValue>, origins: Map<string, ValueOrigin>): JsonValue {
  if (Array.isArray(value)) return value.map((item) => renderStatic(item, parameters, origins));
  if (!isJsonObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && (keys[0] === 'Get' || keys[0] === 'Std:Join' || keys[0] === 'Std:JsonGet')) {
    const { text, origin } = renderExpression(value, parameters);
    if (origin.kind !== 'fixed') origins.set(text, origin);
    return text;
  }
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) out[key] = renderStatic(child, parameters, origins);
  return out;
}

function renderExpression(value: JsonValue, parameters: ReadonlyMap<string, ParameterValue>): { text: string; origin: ValueOrigin } {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return { text: String(value), origin: { kind: 'fixed' } };
  if (!isJsonObject(value)) return { text: '', origin: { kind: 'fixed' } };
  const get = value['Get'];
  if (typeof get === 'string') {
    if (get.startsWith('Parameters.')) {
      const parameter = parameters.get(get.slice('Parameters.'.length));
      return parameter === undefined ? { text: `{${get}}`, origin: { kind: 'per-execution' } } : { text: String(parameter), origin: { kind: 'fixed' } };
    }
    if (get.startsWith('Steps.')) return { text: `{${get}}`, origin: { kind: 'from-step', step: get.slice('Steps.'.length).split(/[.[]/)[0] ?? '' } };
    return { text: `{${get}}`, origin: { kind: 'per-execution' } };
  }
  const join = value['Std:Join'];
  if (isJsonObject(join)) {
    const parts = Array.isArray(join['Values']) ? join['Values'].map((part) => renderExpression(part, parameters)) : [];
    const on = typeof join['On'] === 'string' ? join['On'] : '';
    const fromStep = parts.find((part) => part.origin.kind === 'from-step');
    const perExecution = parts.some((part) => part.origin.kind === 'per-execution');
    return { text: parts.map((part) => part.text).join(on), origin: fromStep?.origin ?? (perExecution ? { kind: 'per-execution' } : { kind: 'fixed' }) };
  }
  const jsonGet = value['Std:JsonGet'];
  if (isJsonObject(jsonGet)) {
    const file = jsonGet['PropertyFile'];
    const step = isJsonObject(file) && typeof file['Get'] === 'string' ? file['Get'].slice('Steps.'.length).split(/[.[]/)[0] ?? '' : '';
    return { text: '{Std:JsonGet}', origin: { kind: 'from-step', step } };
  }
  return { text: '', origin: { kind: 'fixed' } };
}

/** The S3 URIs a job step writes, from its (rendered) arguments. */
function stepOutputs(type: PipelineStep['Type'], args: JsonObject): { uri: string; path: string }[] {
  const out: { uri: string; path: string }[] = [];
  const add = (uri: JsonValue | undefined, at: string): void => {
    if (typeof uri === 'string' && uri.startsWith('s3://')) out.push({ uri, path: at });
  };
  switch (type) {
    case 'Processing': {
      const outputs = child(args['ProcessingOutputConfig'], 'Outputs');
      if (Array.isArray(outputs)) outputs.forEach((output, i) => add(child(child(output, 'S3Output'), 'S3Uri'), `Arguments.ProcessingOutputConfig.Outputs[${i}].S3Output.S3Uri`));
      break;
    }
    case 'Training':
      add(child(args['OutputDataConfig'], 'S3OutputPath'), 'Arguments.OutputDataConfig.S3OutputPath');
      add(child(args['CheckpointConfig'], 'S3Uri'), 'Arguments.CheckpointConfig.S3Uri');
      break;
    case 'Tuning':
      add(child(child(args['TrainingJobDefinition'], 'OutputDataConfig'), 'S3OutputPath'), 'Arguments.TrainingJobDefinition.OutputDataConfig.S3OutputPath');
      break;
    case 'Transform':
      add(child(args['TransformOutput'], 'S3OutputPath'), 'Arguments.TransformOutput.S3OutputPath');
      break;
    default:
      break;
  }
  return out;
}

/** The images a step names, from its (rendered) arguments. */
function stepImages(type: PipelineStep['Type'], args: JsonObject): { uri: string; path: string }[] {
  const out: { uri: string; path: string }[] = [];
  const add = (uri: JsonValue | undefined, at: string): void => {
    if (typeof uri === 'string' && uri !== '') out.push({ uri, path: at });
  };
  const containers = (list: JsonValue | undefined, at: string): void => {
    if (Array.isArray(list)) list.forEach((container, i) => add(child(container, 'Image'), `${at}[${i}].Image`));
  };
  switch (type) {
    case 'Processing':
      add(child(args['AppSpecification'], 'ImageUri'), 'Arguments.AppSpecification.ImageUri');
      break;
    case 'Training':
      add(child(args['AlgorithmSpecification'], 'TrainingImage'), 'Arguments.AlgorithmSpecification.TrainingImage');
      break;
    case 'Tuning':
      add(child(child(args['TrainingJobDefinition'], 'AlgorithmSpecification'), 'TrainingImage'), 'Arguments.TrainingJobDefinition.AlgorithmSpecification.TrainingImage');
      break;
    case 'Model':
      add(child(args['PrimaryContainer'], 'Image'), 'Arguments.PrimaryContainer.Image');
      containers(args['Containers'], 'Arguments.Containers');
      break;
    case 'RegisterModel':
      containers(child(args['InferenceSpecification'], 'Containers'), 'Arguments.InferenceSpecification.Containers');
      break;
    default:
      break;
  }
  return out;
}

function child(value: JsonValue | undefined, name: string): JsonValue | undefined {
  return isJsonObject(value) ? value[name] : undefined;
}
