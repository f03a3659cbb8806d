// Small regression data and CreateTrainingJob arguments for the built-in XGBoost image.
import type { JsonObject } from '../../../src/engine/json.js';
import { XGBOOST_URI } from './job-harness.js';

/** y = 3 x1 - 2 x2 + small noise, label first, no header: what built-in XGBoost reads. */
export function regressionCsv(rows: number, seed: number): string {
  let state = seed;
  const random = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const x1 = random() * 10;
    const x2 = random() * 5;
    const y = 3 * x1 - 2 * x2 + (random() - 0.5) * 0.1;
    lines.push(`${y.toFixed(4)},${x1.toFixed(4)},${x2.toFixed(4)}`);
  }
  return `${lines.join('\n')}\n`;
}

export function xgboostTrainingArguments(bucket: string, hyperParameters: JsonObject): JsonObject {
  return {
    AlgorithmSpecification: { TrainingImage: XGBOOST_URI, TrainingInputMode: 'File' },
    OutputDataConfig: { S3OutputPath: `s3://${bucket}/models` },
    StoppingCondition: { MaxRuntimeInSeconds: 600 },
    ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 30 },
    RoleArn: 'arn:aws:iam::111122223333:role/SageMakerRole',
    InputDataConfig: [
      { ChannelName: 'train', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${bucket}/data/train`, S3DataDistributionType: 'FullyReplicated' } } },
      { ChannelName: 'validation', ContentType: 'text/csv', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${bucket}/data/validation`, S3DataDistributionType: 'FullyReplicated' } } },
    ],
    HyperParameters: hyperParameters,
  };
}
