// Local CreateModel records, kept in the store as `<home>/models/<name>.json` and shaped like
// DescribeModel, so a Transform step (or DescribeModel of the API emulator) finds the model a
// Model step created earlier, even from another process.
import path from 'node:path';
import { SagesimError } from '../errors.js';
import type { JsonObject } from '../engine/json.js';
import { sagemakerArn } from '../engine/identity.js';
import { listDir, readJsonIfExists, writeJsonAtomic } from './atomic-json.js';

/** One container of a model, as CreateModel takes it (ContainerDefinition). */
export interface ModelContainer {
  readonly Image?: string;
  readonly ModelDataUrl?: string;
  readonly Environment?: Readonly<Record<string, string>>;
  readonly ContainerHostname?: string;
  readonly Mode?: string;
  readonly ModelPackageName?: string;
  readonly [other: string]: unknown;
}

/** What DescribeModel returns for a local model. CreationTime is ISO-8601. */
export interface ModelRecord {
  readonly ModelName: string;
  readonly ModelArn: string;
  readonly CreationTime: string;
  readonly PrimaryContainer?: ModelContainer;
  readonly Containers?: readonly ModelContainer[];
  readonly ExecutionRoleArn?: string;
  readonly EnableNetworkIsolation?: boolean;
  readonly VpcConfig?: JsonObject;
  readonly InferenceExecutionConfig?: JsonObject;
}

/** Where and under which account local models live. */
export interface ModelStoreLocation {
  /** The sagesim home folder (SagesimConfig.home). */
  readonly home: string;
  readonly region: string;
  readonly accountId: string;
}

/** SageMaker model names: letters, digits and hyphens, starting and ending with a letter or digit. */
const MODEL_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

export function modelArn(location: Pick<ModelStoreLocation, 'region' | 'accountId'>, name: string): string {
  return sagemakerArn(location, 'model', name);
}

export function validateModelName(name: string): void {
  if (!MODEL_NAME.test(name)) {
    throw new SagesimError('INVALID_MODEL_NAME', `invalid model name ${JSON.stringify(name)}`, {
      source: 'user',
      hint: 'model names have 1 to 63 letters, digits and hyphens, and start and end with a letter or digit',
    });
  }
}

/** Saves (or replaces) a model record. Returns true when a model of that name already existed. */
export async function saveModel(home: string, record: ModelRecord): Promise<boolean> {
  validateModelName(record.ModelName);
  const file = modelFile(home, record.ModelName);
  const existed = (await readJsonIfExists<ModelRecord>(file)) !== undefined;
  await writeJsonAtomic(file, record);
  return existed;
}

/** The model of that name (or ARN), or undefined. */
export async function findModel(home: string, nameOrArn: string): Promise<ModelRecord | undefined> {
  const name = nameOrArn.startsWith('arn:') ? nameOrArn.slice(nameOrArn.lastIndexOf('/') + 1) : nameOrArn;
  if (!MODEL_NAME.test(name)) return undefined;
  return readJsonIfExists<ModelRecord>(modelFile(home, name));
}

/** The model of that name (or ARN); throws `MODEL_NOT_FOUND` saying how models come to exist. */
export async function getModel(home: string, nameOrArn: string): Promise<ModelRecord> {
  const model = await findModel(home, nameOrArn);
  if (!model) {
    throw new SagesimError('MODEL_NOT_FOUND', `model ${JSON.stringify(nameOrArn)} does not exist in ${path.join(home, 'models')}`, {
      source: 'user',
      hint: 'a Model step (CreateModel) must run before the step that uses the model; reference its name with {"Get": "Steps.<ModelStep>.ModelName"}',
    });
  }
  return model;
}

/** Every local model, newest first. */
export async function listModels(home: string): Promise<ModelRecord[]> {
  const names = (await listDir(path.join(home, 'models'))).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  const records = await Promise.all(names.map((n) => readJsonIfExists<ModelRecord>(path.join(home, 'models', n))));
  return records
    .filter((r): r is ModelRecord => r !== undefined)
    .sort((a, b) => b.CreationTime.localeCompare(a.CreationTime) || a.ModelName.localeCompare(b.ModelName));
}

function modelFile(home: string, name: string): string {
  // Names differing only in case share an ARN in the cloud, so they share a file here.
  return path.join(home, 'models', `${name.toLowerCase()}.json`);
}
