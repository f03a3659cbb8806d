// Runs any job step without a job: returns the properties the real job would report (or those a
// stubs file gives), writes declared property files where the real job would have written them,
// and can fail on demand to exercise retries and failure handling.
import { MAX_VALUE_DEPTH } from '../engine/definition-limits.js';
import { nestsDeeperThan } from '../engine/json-depth.js';
import type { PipelineDefinition, PipelineStep } from '../engine/definition-types.js';
import { isJsonObject, type JsonObject, type JsonValue } from '../engine/json.js';
import { RETRYABLE_EXCEPTION_TYPES, type RetryableExceptionType, SagesimError, StepFailure, StoppedError } from '../errors.js';
import { joinS3 } from '../ports/object-store.js';
import { defaultProperties, metadataOutputs } from './default-properties.js';
import { SYNTHESIZED_VALUE, jsonGetPathsFor, jsonGetPathsForStepOutput, synthesizeDocument } from './property-file-synthesis.js';
import { isRemoteFunctionJob } from './remote-function/remote-function-job.js';
import { processingOutputUri } from '../engine/property-files.js';
import { stepKind } from '../engine/step-kinds.js';
import type { StepContext, StepResult, StepRunner } from './executor.js';

/** What a stubs file says about one step. Every field is optional. */
export interface StubSpec {
  /** Merged over the default properties (objects merge, lists and values replace). */
  readonly properties?: JsonObject;
  /** Content of each declared property file, by PropertyFileName. */
  readonly propertyFiles?: Readonly<Record<string, JsonValue>>;
  /** Lambda / Callback output parameters. */
  readonly outputParameters?: Readonly<Record<string, JsonValue>>;
  /** Training metrics by name, set over the plausible defaults (others keep theirs). */
  readonly metrics?: Readonly<Record<string, number>>;
  /** What a `@step` function step returns: written as its results.json, which Std:JsonGet reads downstream. */
  readonly result?: JsonValue;
  /** Make the step fail: every attempt, or only the first `times`. */
  readonly fail?: { readonly reason?: string; readonly exceptionType?: RetryableExceptionType; readonly times?: number };
}

/** Which steps run as stubs. */
export interface StubOptions {
  /** Stub every step that is not a Condition or Fail step (`--stub-all`). */
  readonly all?: boolean;
  /** Steps to stub, each with its spec (`--stub X` gives an empty spec, `--stubs file.json` the file's). */
  readonly steps?: Readonly<Record<string, StubSpec>>;
}

export interface StubExecutorOptions {
  readonly stubs: StubOptions;
  /** Timestamps in the properties. @default () => new Date() */
  readonly now?: () => Date;
  /**
   * The pipeline, to stand in for property files a stub has no content for: a document with 0 at
   * every path its Std:JsonGet expressions read. Without it, such files are not written.
   */
  readonly definition?: PipelineDefinition;
  /** Model package versions per group, so successive RegisterModel stubs get 1, 2, 3... */
  readonly nextModelPackageVersion?: (group: string) => number;
  /** A built-in image's implicit metric definitions, by image URI. @default none */
  readonly implicitMetricDefinitions?: (imageUri: string) => readonly { readonly Name: string }[];
}

/** True when `step` runs as a stub under these options. Condition and Fail steps never do. */
export function isStubbed(stubs: StubOptions | undefined, step: Pick<PipelineStep, 'Name' | 'Type'>): boolean {
  if (!stubs || !stepKind(step.Type).stubbable) return false;
  return stubs.all === true || (stubs.steps !== undefined && Object.hasOwn(stubs.steps, step.Name));
}

export class StubExecutor implements StepRunner {
  private readonly versions = new Map<string, number>();

  constructor(private readonly options: StubExecutorOptions) {}

  /** What the stubs say about one step (undefined: stubbed with defaults). */
  specFor(stepName: string): StubSpec | undefined {
    return this.options.stubs.steps?.[stepName];
  }

  async execute(context: StepContext): Promise<StepResult> {
    if (context.signal.aborted) throw new StoppedError(`step ${context.step.Name} stopped`);
    const spec = this.options.stubs.steps?.[context.step.Name] ?? {};
    const fail = spec.fail;
    if (fail && (fail.times === undefined || context.attempt <= fail.times)) {
      const reason = fail.reason ?? `stub failure of step ${context.step.Name} (attempt ${context.attempt})`;
      context.log(`stub: failing attempt ${context.attempt}: ${reason}`);
      // A failed job still has its ARN in the step metadata, as in the cloud.
      const { metadata } = defaultProperties({ step: context.step, arguments: context.arguments, jobName: context.jobName, execution: context.execution, now: this.now() });
      throw new StepFailure(reason, {
        ...(fail.exceptionType ? { exceptionType: fail.exceptionType } : {}),
        source: 'user',
        code: 'STUB_FAILURE',
        metadata: metadata as Readonly<Record<string, JsonValue>>,
      });
    }
    const group = typeof context.arguments['ModelPackageGroupName'] === 'string' ? context.arguments['ModelPackageGroupName'] : undefined;
    const defaults = defaultProperties({
      step: context.step,
      arguments: context.arguments,
      jobName: context.jobName,
      execution: context.execution,
      now: this.now(),
      modelPackageVersion: context.step.Type === 'RegisterModel' && group !== undefined ? this.nextVersion(group) : undefined,
      ...(this.options.implicitMetricDefinitions ? { implicitMetricDefinitions: this.options.implicitMetricDefinitions } : {}),
    });
    const merged = spec.properties ? mergeProperties(defaults.properties, normalizeStubProperties(spec.properties)) : defaults.properties;
    const properties = spec.metrics ? withMetrics(merged, spec.metrics, this.now().toISOString()) : merged;
    const outputParameters = { ...defaults.outputParameters, ...spec.outputParameters };
    const metadata = { ...defaults.metadata };
    if (spec.outputParameters && (metadata.Lambda || metadata.Callback)) {
      const key = metadata.Lambda ? 'Lambda' : 'Callback';
      Object.assign(metadata, { [key]: { ...metadata[key], OutputParameters: metadataOutputs(outputParameters) } });
    }
    await this.writePropertyFiles(context, properties, spec);
    await this.writeFunctionResult(context, properties, spec);
    return { properties, metadata, outputParameters };
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private nextVersion(group: string): number {
    if (this.options.nextModelPackageVersion) return this.options.nextModelPackageVersion(group);
    const next = (this.versions.get(group) ?? 0) + 1;
    this.versions.set(group, next);
    return next;
  }

  /**
   * A `@step` function step writes `{"Result": <return value>, "Exception": null}` to
   * `<S3OutputPath>/results.json` (the SDK's JSON serialization), which downstream JsonGet reads.
   */
  private async writeFunctionResult(context: StepContext, properties: JsonObject, spec: StubSpec): Promise<void> {
    if (context.step.Type !== 'Training') return;
    const algorithm = context.arguments['AlgorithmSpecification'];
    const entrypoint = isJsonObject(algorithm ?? null) ? (algorithm as JsonObject)['ContainerEntrypoint'] : undefined;
    if (!Array.isArray(entrypoint) || !isRemoteFunctionJob(entrypoint.filter((part): part is string => typeof part === 'string'))) return;
    const output = properties['OutputDataConfig'];
    const outputPath = isJsonObject(output ?? null) ? (output as JsonObject)['S3OutputPath'] : undefined;
    if (typeof outputPath !== 'string') return;
    let result = spec.result;
    if (result === undefined) {
      const paths = this.options.definition ? jsonGetPathsForStepOutput(this.options.definition, context.step.Name) : [];
      if (paths.length === 0) return;
      const document = synthesizeDocument(paths);
      result = isJsonObject(document) ? (document['Result'] ?? null) : null;
      context.warn({
        code: 'STUB_STAND_IN_RESULT',
        message: `stub wrote a stand-in result for @step function ${context.step.Name} with ${SYNTHESIZED_VALUE} at ${paths.join(', ')}; give the value it returns in --stubs: {"${context.step.Name}": {"result": ...}}`,
      });
    }
    await context.objectStore.put(joinS3(outputPath, 'results.json'), JSON.stringify({ Result: result, Exception: null }));
  }

  /** Writes each declared property file the stub has content for at `<output S3Uri>/<FilePath>`. */
  private async writePropertyFiles(context: StepContext, properties: JsonObject, spec: StubSpec): Promise<void> {
    const declarations = 'PropertyFiles' in context.step ? (context.step.PropertyFiles ?? []) : [];
    for (const declaration of declarations) {
      let content = spec.propertyFiles?.[declaration.PropertyFileName];
      if (content === undefined && this.options.definition) {
        const paths = jsonGetPathsFor(this.options.definition, context.step.Name, declaration.PropertyFileName);
        content = synthesizeDocument(paths);
        context.warn({
          code: 'STUB_STAND_IN_PROPERTY_FILE',
          message: `stub wrote a stand-in for property file ${declaration.PropertyFileName} with ${SYNTHESIZED_VALUE} at ${paths.length ? paths.join(', ') : 'no path'}; give its real content in --stubs: {"${context.step.Name}": {"propertyFiles": {"${declaration.PropertyFileName}": {...}}}}`,
        });
      }
      if (content === undefined) continue;
      const outputUri = processingOutputUri(properties, declaration.OutputName);
      if (!outputUri) {
        throw new SagesimError(
          'PROPERTY_FILE_OUTPUT_NOT_FOUND',
          `step ${context.step.Name}: property file ${declaration.PropertyFileName} names output "${declaration.OutputName}", which ProcessingOutputConfig.Outputs does not have`,
          { source: 'user', hint: 'make PropertyFiles[].OutputName match the OutputName of one of the step outputs' },
        );
      }
      await context.objectStore.put(joinS3(outputUri, declaration.FilePath), JSON.stringify(content, null, 2));
    }
  }
}

/** Objects merge key by key; anything else in `override` replaces what `base` had. */
export function mergeProperties(base: JsonObject, override: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isJsonObject(current) && isJsonObject(value) ? mergeProperties(current, value) : value;
  }
  return out;
}

/** FinalMetricDataList with each given metric set (replaced by name, or added). */
function withMetrics(properties: JsonObject, metrics: Readonly<Record<string, number>>, iso: string): JsonObject {
  const list = Array.isArray(properties['FinalMetricDataList']) ? properties['FinalMetricDataList'].filter(isJsonObject) : [];
  const given = new Map(Object.entries(metrics));
  const updated: JsonValue[] = list.map((metric) => {
    const name = metric['MetricName'];
    const value = typeof name === 'string' ? given.get(name) : undefined;
    if (value === undefined) return metric;
    given.delete(name as string);
    return { ...metric, Value: value };
  });
  for (const [MetricName, Value] of given) updated.push({ MetricName, Value, Timestamp: iso });
  return { ...properties, FinalMetricDataList: updated };
}

/** Lets a stubs file write `"FinalMetricDataList": {"val:rmse": 3.1}` for the list SageMaker returns. */
function normalizeStubProperties(properties: JsonObject): JsonObject {
  const metrics = properties['FinalMetricDataList'];
  if (!isJsonObject(metrics)) return properties;
  return {
    ...properties,
    FinalMetricDataList: Object.entries(metrics).map(([MetricName, Value]) => ({ MetricName, Value })),
  };
}

/** Checks a parsed stubs file and returns it typed; every problem is reported at once. */
export function parseStubsFile(value: unknown, source: string): Record<string, StubSpec> {
  const problems: string[] = [];
  if (!isJsonObject(value as JsonValue)) {
    throw new SagesimError('INVALID_STUBS', `${source}: a stubs file is a JSON object mapping step names to stubs`, {
      source: 'user',
      hint: '{"TrainModel": {"properties": {...}, "propertyFiles": {...}, "fail": {"reason": "...", "times": 1}}}',
    });
  }
  if (nestsDeeperThan(value, MAX_VALUE_DEPTH + 2)) {
    // Its properties and property files go into the execution record, bounded like a definition's values.
    throw new SagesimError('INVALID_STUBS', `${source}: the stubs nest more than ${MAX_VALUE_DEPTH} levels of lists and objects`, {
      source: 'user',
      hint: 'give each stub the shallow properties and property files a real job would produce',
    });
  }
  const out: Record<string, StubSpec> = {};
  for (const [name, raw] of Object.entries(value as JsonObject)) {
    if (!isJsonObject(raw)) {
      problems.push(`${name}: must be an object`);
      continue;
    }
    for (const key of Object.keys(raw)) {
      if (!['properties', 'propertyFiles', 'outputParameters', 'metrics', 'result', 'fail'].includes(key)) {
        problems.push(`${name}.${key}: unknown field (use properties, propertyFiles, outputParameters, metrics, result, fail)`);
      }
    }
    const metrics = raw['metrics'];
    if (metrics !== undefined && (!isJsonObject(metrics) || !Object.values(metrics).every((v) => typeof v === 'number' && Number.isFinite(v)))) {
      problems.push(`${name}.metrics: must map metric names to numbers, e.g. {"validation:rmse": 3.1}`);
    }
    for (const key of ['properties', 'propertyFiles', 'outputParameters'] as const) {
      if (raw[key] !== undefined && !isJsonObject(raw[key])) problems.push(`${name}.${key}: must be an object`);
    }
    const fail = raw['fail'];
    if (fail !== undefined) {
      if (!isJsonObject(fail)) problems.push(`${name}.fail: must be an object`);
      else {
        if (fail['reason'] !== undefined && typeof fail['reason'] !== 'string') problems.push(`${name}.fail.reason: must be a string`);
        const type = fail['exceptionType'];
        if (type !== undefined && !RETRYABLE_EXCEPTION_TYPES.includes(type as RetryableExceptionType)) {
          problems.push(`${name}.fail.exceptionType: ${JSON.stringify(type)} is not one of ${RETRYABLE_EXCEPTION_TYPES.join(', ')}`);
        }
        const times = fail['times'];
        if (times !== undefined && !(typeof times === 'number' && Number.isInteger(times) && times >= 0)) {
          problems.push(`${name}.fail.times: must be a whole number of at least 0`);
        }
      }
    }
    out[name] = raw as StubSpec;
  }
  if (problems.length > 0) {
    throw new SagesimError('INVALID_STUBS', `${source}: ${problems.length} problem(s) in the stubs file:\n  ${problems.join('\n  ')}`, {
      source: 'user',
      hint: 'each step maps to {"properties"?, "propertyFiles"?, "outputParameters"?, "metrics"?, "result"?, "fail"?: {"reason"?, "exceptionType"?, "times"?}}',
    });
  }
  return out;
}
