// A Transform step's settings, read and checked once from its CreateTransformJob arguments, and
// the DescribeTransformJob shape they give (with the defaults the cloud fills in).
import type { JsonObject } from '../engine/json.js';
import { SagesimError } from '../errors.js';
import type { ArgumentReader } from './job-arguments.js';
import { type BatchStrategy, maxPayloadBytes, parseBatchStrategy } from './transform-batching.js';
import { type DataProcessing, compileDataProcessing } from './transform-filters.js';
import { type SplitType, parseSplitType } from './transform-split.js';

/** A transform job's settings, read once from its arguments. */
export interface TransformSettings {
  readonly modelName: string;
  readonly inputUri: string;
  readonly dataType: string;
  readonly contentType?: string;
  readonly compression: 'None' | 'Gzip';
  readonly splitType: SplitType;
  readonly outputPath: string;
  readonly accept?: string;
  readonly assembleWith: 'None' | 'Line';
  readonly strategy: BatchStrategy;
  readonly maxPayloadMB: number;
  readonly maxPayloadBytes: number;
  readonly maxConcurrent: number;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly environment: Record<string, string>;
  readonly processing: DataProcessing;
  readonly instanceType?: string;
}

/** Reads and checks CreateTransformJob arguments; a bad value is a user SagesimError (INVALID_ARGUMENTS). */
export function readTransformSettings(args: ArgumentReader): TransformSettings {
  const transformInput = args.object('TransformInput');
  const s3 = transformInput.object('DataSource').object('S3DataSource');
  const transformOutput = args.object('TransformOutput');
  const dataProcessing = args.object('DataProcessing');
  const clientConfig = args.object('ModelClientConfig');
  const compression = transformInput.optionalString('CompressionType') ?? 'None';
  if (compression !== 'None' && compression !== 'Gzip') {
    throw invalid(`TransformInput.CompressionType must be None or Gzip, got ${JSON.stringify(compression)}`);
  }
  const assembleWith = transformOutput.optionalString('AssembleWith') ?? 'None';
  if (assembleWith !== 'None' && assembleWith !== 'Line') {
    throw invalid(`TransformOutput.AssembleWith must be None or Line, got ${JSON.stringify(assembleWith)}`);
  }
  const maxConcurrent = args.optionalNumber('MaxConcurrentTransforms') ?? 1;
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) throw invalid(`MaxConcurrentTransforms must be a whole number of at least 1, got ${maxConcurrent}`);
  const maxPayloadMB = args.optionalNumber('MaxPayloadInMB') ?? 6;
  const contentType = transformInput.optionalString('ContentType');
  const accept = transformOutput.optionalString('Accept');
  const inputFilter = dataProcessing.optionalString('InputFilter');
  const outputFilter = dataProcessing.optionalString('OutputFilter');
  const joinSource = dataProcessing.optionalString('JoinSource');
  const instanceType = args.object('TransformResources').optionalString('InstanceType');
  return {
    modelName: args.string('ModelName'),
    inputUri: s3.string('S3Uri'),
    dataType: s3.optionalString('S3DataType') ?? 'S3Prefix',
    ...(contentType === undefined ? {} : { contentType }),
    compression,
    splitType: parseSplitType(transformInput.optionalString('SplitType')),
    outputPath: transformOutput.string('S3OutputPath'),
    ...(accept === undefined ? {} : { accept }),
    assembleWith,
    strategy: parseBatchStrategy(args.optionalString('BatchStrategy')),
    maxPayloadMB,
    maxPayloadBytes: maxPayloadBytes(maxPayloadMB),
    maxConcurrent,
    timeoutMs: (clientConfig.optionalNumber('InvocationsTimeoutInSeconds') ?? 600) * 1000,
    maxRetries: clientConfig.optionalNumber('InvocationsMaxRetries') ?? 3,
    environment: args.stringMap('Environment'),
    processing: compileDataProcessing(
      {
        ...(inputFilter === undefined ? {} : { inputFilter }),
        ...(outputFilter === undefined ? {} : { outputFilter }),
        ...(joinSource === undefined ? {} : { joinSource }),
      },
      contentType,
    ),
    ...(instanceType === undefined ? {} : { instanceType }),
  };
}

/** DescribeTransformJob of this job, with the defaults the cloud fills in. */
export function describeTransformJob(args: JsonObject, settings: TransformSettings, jobName: string, arn: string, startTime: Date): JsonObject {
  const given = (key: string): JsonObject => {
    const value = args[key];
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
  };
  const iso = startTime.toISOString();
  const processing = given('DataProcessing');
  return {
    TransformJobName: jobName,
    TransformJobArn: arn,
    TransformJobStatus: 'InProgress',
    ModelName: settings.modelName,
    MaxConcurrentTransforms: settings.maxConcurrent,
    MaxPayloadInMB: settings.maxPayloadMB,
    BatchStrategy: settings.strategy,
    ...(Object.keys(settings.environment).length > 0 ? { Environment: settings.environment } : {}),
    ...(args['ModelClientConfig'] !== undefined ? { ModelClientConfig: given('ModelClientConfig') } : {}),
    TransformInput: { ...given('TransformInput'), CompressionType: settings.compression, SplitType: settings.splitType },
    TransformOutput: { ...given('TransformOutput'), AssembleWith: settings.assembleWith },
    TransformResources: given('TransformResources'),
    DataProcessing: {
      InputFilter: typeof processing['InputFilter'] === 'string' ? processing['InputFilter'] : '$',
      OutputFilter: typeof processing['OutputFilter'] === 'string' ? processing['OutputFilter'] : '$',
      JoinSource: settings.processing.joinSource,
    },
    ...(args['DataCaptureConfig'] !== undefined ? { DataCaptureConfig: given('DataCaptureConfig') } : {}),
    ...(args['ExperimentConfig'] !== undefined ? { ExperimentConfig: given('ExperimentConfig') } : {}),
    CreationTime: iso,
    TransformStartTime: iso,
  };
}

function invalid(message: string): SagesimError {
  return new SagesimError('INVALID_STEP_ARGUMENTS', message, { source: 'user' });
}
