// `sagesim rm` / `prune`: what removing an execution means, planned before anything is deleted so
// that --dry-run and the confirmation show exactly what goes. Only what sagesim wrote for that
// execution: its folder (record, logs, step scratch), its reproductions, its step-cache entries,
// and S3 objects whose key has the execution id as a folder (the SDK's and sagesim's per-execution
// layout, `<pipeline>/<execution-id>/<step>/...`). Inputs, code and other objects stay.
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ExecutionRecord } from '../engine/execution-record.js';
import type { JsonValue } from '../engine/json.js';
import type { ObjectStore } from '../ports/object-store.js';
import { FileCacheIndex } from '../store/file-cache-index.js';
import { executionDirIn } from '../store/store-layout.js';

export interface RemovalPlan {
  readonly executionId: string;
  /** Folders removed whole: the execution's and its reproductions'. */
  readonly folders: readonly string[];
  /** s3:// URIs of the objects the execution wrote. */
  readonly objects: readonly string[];
}

export interface RemovalContext {
  readonly home: string;
  /** The S3 the executions ran against; without it S3 is left alone. */
  readonly objectStore?: Pick<ObjectStore, 'list' | 'delete'>;
}

export async function planRemoval(record: Readonly<ExecutionRecord>, context: RemovalContext): Promise<RemovalPlan> {
  const id = record.executionId;
  const folders = [executionDirIn(context.home, id), ...(await reproductionFolders(context.home, id))];
  const objects: string[] = [];
  // A remote execution's objects live in the cloud (or another endpoint): not sagesim's to delete.
  if (record.mode === 'local' && context.objectStore) {
    for (const bucket of bucketsOf(record)) {
      const listed = await context.objectStore.list(`s3://${bucket}/`).catch(() => []);
      for (const object of listed) if (object.key.split('/').slice(0, -1).includes(id)) objects.push(object.uri);
    }
  }
  return { executionId: id, folders, objects };
}

/** Deletes what the plans name, then drops the removed executions from the step cache. */
export async function applyRemoval(plans: readonly RemovalPlan[], context: RemovalContext): Promise<void> {
  for (const plan of plans) {
    for (const uri of plan.objects) await context.objectStore?.delete(uri);
    for (const folder of plan.folders) await rm(folder, { recursive: true, force: true });
  }
  await new FileCacheIndex({ home: context.home }).forgetExecutions(new Set(plans.map((plan) => plan.executionId)));
}

async function reproductionFolders(home: string, id: string): Promise<string[]> {
  const dir = path.join(home, 'reproductions');
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((name) => name.startsWith(`${id}-`)).map((name) => path.join(dir, name));
}

/** Buckets named by any s3:// URI in the execution's resolved arguments and properties. */
function bucketsOf(record: Readonly<ExecutionRecord>): Set<string> {
  const buckets = new Set<string>();
  const visit = (value: JsonValue | unknown): void => {
    if (typeof value === 'string') {
      const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(\/|$)/.exec(value);
      if (match?.[1]) buckets.add(match[1]);
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(visit);
  };
  for (const step of record.steps) {
    visit(step.resolvedArguments);
    visit(step.properties);
  }
  return buckets;
}
