// The generated 1,000-step benchmark pipelines: a wide DAG (one root, N-2 parallel steps, one
// join) and a deep chain (each step reads the previous one's output). Used by bench/engine and
// bench/console.
import type { JobStep, PipelineDefinition } from '../../src/engine/definition-types.js';

function processing(name: string, input: unknown, dependsOn?: readonly string[]): JobStep {
  return {
    Name: name,
    Type: 'Processing',
    ...(dependsOn ? { DependsOn: dependsOn } : {}),
    Arguments: {
      ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 30 } },
      AppSpecification: { ImageUri: 'sklearn:1.2-1', ContainerArguments: ['--run', { Get: 'Execution.PipelineExecutionId' }] },
      RoleArn: 'arn:aws:iam::111122223333:role/bench',
      ProcessingInputs: [{ InputName: 'in', AppManaged: false, S3Input: { S3Uri: input as string, LocalPath: '/opt/ml/processing/input', S3DataType: 'S3Prefix', S3InputMode: 'File' } }],
      ProcessingOutputConfig: {
        Outputs: [{ OutputName: 'out', AppManaged: false, S3Output: { S3Uri: { 'Std:Join': { On: '/', Values: ['s3://bench', { Get: 'Execution.PipelineExecutionId' }, name] } }, LocalPath: '/opt/ml/processing/out', S3UploadMode: 'EndOfJob' } }],
      },
    } as JobStep['Arguments'],
  };
}

const outputOf = (step: string): unknown => ({ Get: `Steps.${step}.ProcessingOutputConfig.Outputs['out'].S3Output.S3Uri` });
const pipeline = (steps: JobStep[]): PipelineDefinition => ({ Version: '2020-12-01', Metadata: {}, Parameters: [{ Name: 'Input', Type: 'String', DefaultValue: 's3://bench/input' }], PipelineExperimentConfig: null, Steps: steps });

export function wide(n: number): PipelineDefinition {
  const middle = Array.from({ length: n - 2 }, (_, i) => processing(`Fan${i}`, outputOf('Root')));
  return pipeline([processing('Root', { Get: 'Parameters.Input' }), ...middle, processing('Join', 's3://bench/none', middle.map((s) => s.Name))]);
}

export function deep(n: number): PipelineDefinition {
  return pipeline(Array.from({ length: n }, (_, i) => processing(`Step${i}`, i === 0 ? { Get: 'Parameters.Input' } : outputOf(`Step${i - 1}`))));
}
