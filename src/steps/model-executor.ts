// Model steps (CreateModel): a local model record that a later Transform step (or DescribeModel
// through the API emulator) reads back. No container runs: creating a model only records it.
import type { JsonObject, JsonValue } from '../engine/json.js';
import { isJsonObject } from '../engine/json.js';
import { StepFailure } from '../errors.js';
import { type ModelContainer, type ModelRecord, modelArn, saveModel } from '../mock-aws/model-store.js';
import type { StepContext, StepExecutor, StepResult } from './executor.js';

export interface ModelExecutorOptions {
  /** The sagesim home folder: models live in `<home>/models`. */
  readonly home: string;
  /** Injected so tests control CreationTime. @default () => new Date() */
  readonly now?: () => Date;
}

export class ModelExecutor implements StepExecutor {
  readonly stepType = 'Model' as const;
  private readonly now: () => Date;

  constructor(private readonly options: ModelExecutorOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async execute(context: StepContext): Promise<StepResult> {
    const record = modelRecordFromArguments(context, this.now());
    const replaced = await saveModel(this.options.home, record);
    if (replaced) {
      context.warn({
        code: 'MODEL_REPLACED',
        message: `model "${record.ModelName}" already existed locally and was replaced; SageMaker rejects CreateModel of an existing name, so this step would fail there on a second run (leave ModelName out to get a generated name)`,
      });
    }
    return { properties: record as unknown as JsonObject, metadata: { Model: { Arn: record.ModelArn } } };
  }
}

/**
 * Validates CreateModel arguments into a model record. Without ModelName the step gets the name the
 * cloud generates for pipeline steps (the step's job name, `pipelines-<execution id>-<step>-<random>`).
 */
export function modelRecordFromArguments(context: Pick<StepContext, 'arguments' | 'jobName' | 'execution' | 'step'>, now: Date): ModelRecord {
  const args = context.arguments;
  const problems: string[] = [];
  const rawName = args['ModelName'];
  const name = typeof rawName === 'string' && rawName !== '' ? rawName : context.jobName;
  if (!/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(name)) {
    problems.push(`ModelName ${JSON.stringify(name)} must have 1 to 63 letters, digits and hyphens`);
  }
  const primary = args['PrimaryContainer'];
  const containers = args['Containers'];
  if (primary === undefined && containers === undefined) problems.push('give PrimaryContainer or Containers');
  if (primary !== undefined && containers !== undefined) problems.push('give PrimaryContainer or Containers, not both');
  const primaryContainer = primary === undefined ? undefined : container(primary, 'PrimaryContainer', problems);
  const containerList =
    containers === undefined
      ? undefined
      : Array.isArray(containers) && containers.length > 0
        ? containers.map((c, i) => container(c, `Containers[${i}]`, problems))
        : (problems.push('Containers must be a non-empty list'), undefined);
  if (problems.length > 0) {
    throw new StepFailure(`step "${context.step.Name}": invalid CreateModel arguments: ${problems.join('; ')}`, {
      code: 'INVALID_STEP_ARGUMENTS',
      source: 'user',
    });
  }
  const role = args['ExecutionRoleArn'];
  return {
    ModelName: name,
    ModelArn: modelArn(context.execution, name),
    CreationTime: now.toISOString(),
    ...(primaryContainer ? { PrimaryContainer: primaryContainer } : {}),
    ...(containerList ? { Containers: containerList.filter((c): c is ModelContainer => c !== undefined) } : {}),
    ...(typeof role === 'string' ? { ExecutionRoleArn: role } : {}),
    ...(typeof args['EnableNetworkIsolation'] === 'boolean' ? { EnableNetworkIsolation: args['EnableNetworkIsolation'] } : {}),
    ...(isJsonObject(args['VpcConfig']) ? { VpcConfig: args['VpcConfig'] } : {}),
    ...(isJsonObject(args['InferenceExecutionConfig']) ? { InferenceExecutionConfig: args['InferenceExecutionConfig'] } : {}),
  };
}

function container(value: JsonValue, where: string, problems: string[]): ModelContainer | undefined {
  if (!isJsonObject(value)) {
    problems.push(`${where} must be an object`);
    return undefined;
  }
  if (typeof value['Image'] !== 'string' && typeof value['ModelPackageName'] !== 'string') {
    problems.push(`${where}.Image is required (the inference image URI)`);
  }
  const environment = value['Environment'];
  if (environment === undefined) return { ...value };
  if (!isJsonObject(environment)) {
    problems.push(`${where}.Environment must be an object of strings`);
    return undefined;
  }
  // Pipeline parameters resolve to numbers and booleans; the API takes strings only.
  const env: Record<string, string> = {};
  for (const [key, v] of Object.entries(environment)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') env[key] = String(v);
    else problems.push(`${where}.Environment.${key} must be a string`);
  }
  return { ...value, Environment: env };
}
