// Where batch transform output went: the S3 prefix of each Transform step and, when the store
// could be listed after the run, how many objects (and bytes) are there.
import type { ExecutionRecord } from '../../engine/execution-record.js';
import { isJsonObject } from '../../engine/json.js';
import type { ObjectInfo, ObjectStore } from '../../ports/object-store.js';
import { formatBytes } from '../format-bytes.js';
import { type Layout, nameColumnWidth, section } from './layout.js';

export interface TransformOutput {
  readonly stepName: string;
  /** S3OutputPath, with a trailing slash so that it lists as a folder. */
  readonly uri: string;
  /** The objects under it, when they could be listed. */
  readonly objects?: readonly ObjectInfo[];
}

/** The S3 output prefix of every Transform step that succeeded. */
export function transformOutputs(record: Readonly<ExecutionRecord>): TransformOutput[] {
  return record.steps.flatMap((step) => {
    if (step.stepType !== 'Transform' || step.status !== 'Succeeded') return [];
    const output = step.properties?.['TransformOutput'];
    const path = isJsonObject(output) ? output['S3OutputPath'] : undefined;
    if (typeof path !== 'string' || path === '') return [];
    return [{ stepName: step.stepName, uri: path.endsWith('/') ? path : `${path}/` }];
  });
}

/**
 * The transform outputs with their objects listed. A listing that fails leaves the count out:
 * the summary must never fail a run that succeeded.
 */
export async function listTransformOutputs(record: Readonly<ExecutionRecord>, store: Pick<ObjectStore, 'list'>): Promise<TransformOutput[]> {
  return await Promise.all(
    transformOutputs(record).map(async (output) => {
      try {
        return { ...output, objects: await store.list(output.uri) };
      } catch {
        return output;
      }
    }),
  );
}

export function transformSection(outputs: readonly TransformOutput[], layout: Layout): string[] {
  const nameWidth = nameColumnWidth(outputs.map((output) => output.stepName));
  const lines = outputs.map((output) => {
    const count = output.objects === undefined ? '' : `  ${describeObjects(output.objects)}`;
    return `  ${output.stepName.padEnd(nameWidth)}  ${output.uri}${count}`;
  });
  return section('Transform output', lines, layout);
}

function describeObjects(objects: readonly ObjectInfo[]): string {
  const bytes = objects.reduce((sum, object) => sum + object.size, 0);
  return `${objects.length} ${objects.length === 1 ? 'object' : 'objects'}, ${formatBytes(bytes)}`;
}
