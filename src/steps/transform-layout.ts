// Where a batch transform reads and writes: the input objects of TransformInput (S3Prefix or
// ManifestFile) and, for each, `<S3OutputPath>/<key relative to the input prefix>.out`, exactly as
// the cloud lays them out (SageMaker local mode adds an extra folder; we do not).
import path from 'node:path';
import { SagesimError } from '../errors.js';
import { type ObjectStore, joinS3 } from '../ports/object-store.js';
import { planManifest, planPrefix } from './staging.js';

export interface TransformInputObject {
  /** `s3://bucket/key` of the input object. */
  readonly uri: string;
  /** Its key relative to the input prefix (or its manifest entry), with `/` separators. */
  readonly relativeKey: string;
  readonly size?: number;
}

/** The objects a transform reads, in key order (manifest order for a ManifestFile). */
export async function planTransformInputs(store: ObjectStore, s3Uri: string, dataType: string | undefined): Promise<TransformInputObject[]> {
  let plan;
  switch (dataType ?? 'S3Prefix') {
    case 'S3Prefix':
      plan = await planPrefix(store, s3Uri);
      break;
    case 'ManifestFile':
      plan = await planManifest(store, s3Uri);
      break;
    case 'AugmentedManifestFile':
      throw new SagesimError('TRANSFORM_UNSUPPORTED', 'S3DataType AugmentedManifestFile does not run locally', {
        source: 'user',
        hint: 'use S3Prefix or ManifestFile, or stub the step with --stub <step>',
      });
    default:
      throw new SagesimError('INVALID_STEP_ARGUMENTS', `S3DataType must be S3Prefix, ManifestFile or AugmentedManifestFile, got ${JSON.stringify(dataType)}`, {
        source: 'user',
      });
  }
  return plan.map((item) => ({
    uri: item.uri,
    relativeKey: item.relativePath.split(path.sep).join('/'),
    ...(item.size === undefined ? {} : { size: item.size }),
  }));
}

/** `s3://in/batch/a/b.csv` read through the prefix `s3://in/batch` lands at `<S3OutputPath>/a/b.csv.out`. */
export function transformOutputUri(s3OutputPath: string, relativeKey: string): string {
  return joinS3(s3OutputPath, `${relativeKey}.out`);
}
