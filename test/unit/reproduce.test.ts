// Reproducing one step with the fake container runtime and an in-memory S3: the same job name,
// arguments and staged inputs; outputs kept local unless uploaded; --shell; what cannot be
// reproduced; and reading a cloud job through Describe*.
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.js';
import { runCli } from '../../src/cli/main.js';
import { resolveConfig, type SagesimConfig } from '../../src/config.js';
import type { PipelineDefinition } from '../../src/engine/definition-types.js';
import type { ExecutionRecord } from '../../src/engine/execution-record.js';
import { runPipeline } from '../../src/app/run-pipeline.js';
import { isSagesimError } from '../../src/errors.js';
import { MemoryObjectStore } from '../../src/mock-aws/memory-object-store.js';
import { cloudSource, type JobDescriber } from '../../src/reproduce/cloud-source.js';
import { reproduceStep } from '../../src/app/reproduce-step.js';
import { createRunEnvironment } from '../../src/runtime/create-environment.js';
import type { ContainerSpec } from '../../src/ports/container-engine.js';
import { FakeContainerEngine } from '../../src/ports/fake-container-engine.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const definition: PipelineDefinition = {
  Version: '2020-12-01',
  Metadata: {},
  Parameters: [{ Name: 'Threshold', Type: 'Float', DefaultValue: 1 }],
  PipelineExperimentConfig: null,
  Steps: [
    {
      Name: 'Evaluate',
      Type: 'Processing',
      Arguments: {
        AppSpecification: { ImageUri: 'my/evaluator:1', ContainerEntrypoint: ['python3', '/opt/ml/processing/code/evaluate.py'] },
        ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 30 } },
        ProcessingInputs: [
          { InputName: 'data', S3Input: { S3Uri: 's3://bucket/data/', LocalPath: '/opt/ml/processing/data', S3DataType: 'S3Prefix', S3InputMode: 'File' } },
          { InputName: 'code', S3Input: { S3Uri: 's3://bucket/code/evaluate.py', LocalPath: '/opt/ml/processing/code', S3DataType: 'S3Prefix', S3InputMode: 'File' } },
        ],
        ProcessingOutputConfig: {
          Outputs: [{ OutputName: 'evaluation', S3Output: { S3Uri: { 'Std:Join': { On: '/', Values: ['s3://bucket/eval', { Get: 'Execution.PipelineExecutionId' }] } }, LocalPath: '/opt/ml/processing/evaluation', S3UploadMode: 'EndOfJob' } }],
        },
        Environment: { THRESHOLD: { 'Std:Join': { On: '', Values: [{ Get: 'Parameters.Threshold' }] } } },
        RoleArn: 'arn:aws:iam::111122223333:role/r',
      },
      PropertyFiles: [{ PropertyFileName: 'Report', OutputName: 'evaluation', FilePath: 'report.json' }],
    },
    {
      Name: 'Gate',
      Type: 'Condition',
      Arguments: {
        Conditions: [{ Type: 'LessThanOrEqualTo', LeftValue: { 'Std:JsonGet': { PropertyFile: { Get: 'Steps.Evaluate.PropertyFiles.Report' }, Path: 'mse' } }, RightValue: 2 }],
        IfSteps: [],
        ElseSteps: [{ Name: 'Never', Type: 'Processing', Arguments: {} }],
      },
    },
  ],
} as unknown as PipelineDefinition;

interface Setup {
  readonly config: SagesimConfig;
  readonly objectStore: MemoryObjectStore;
  readonly runtime: FakeContainerEngine;
  /** What the script does: `broken` fails it with a traceback. */
  script: 'broken' | 'fixed';
  /** The data file each container run read. */
  readonly seen: string[];
}

async function setup(): Promise<Setup> {
  const home = mkdtempSync(path.join(tmpdir(), 'sagesim-reproduce-'));
  dirs.push(home);
  const objectStore = new MemoryObjectStore();
  await objectStore.put('s3://bucket/data/rows.csv', '1,2\n3,4\n');
  await objectStore.put('s3://bucket/code/evaluate.py', 'print("evaluating")');
  const state: Setup = {
    config: resolveConfig({ cwd: home, home }, {}),
    objectStore,
    runtime: new FakeContainerEngine({
      behaviour: async (container) => {
        state.seen.push(await readFile(path.join(container.hostPath('/opt/ml/processing/data'), 'rows.csv'), 'utf8'));
        if (state.script === 'broken') {
          container.log("NameError: name 'squard' is not defined");
          return { exitCode: 1 };
        }
        container.log(`evaluated with THRESHOLD=${container.spec.env['THRESHOLD'] ?? '?'}`);
        await writeFile(path.join(container.hostPath('/opt/ml/processing/evaluation'), 'report.json'), JSON.stringify({ mse: 0.5 }));
        return { exitCode: 0 };
      },
    }),
    script: 'broken',
    seen: [],
  };
  return state;
}

async function runOnce(s: Setup): Promise<ExecutionRecord> {
  await using env = await createRunEnvironment(s.config, { runtime: s.runtime, objectStore: s.objectStore });
  return runPipeline({ definition, parameters: { Threshold: '0.75' }, pipelineName: 'evaluation', config: s.config, executors: env.executors, objectStore: env.objectStore, store: env.store });
}

function codeOf(error: unknown): string | undefined {
  return isSagesimError(error) ? error.code : String(error);
}

describe('reproducing a step of a local execution', () => {
  it('runs the failed step again with the same job name, arguments and inputs, writing outputs under its folder', async () => {
    const s = await setup();
    const failed = await runOnce(s);
    expect(failed.status).toBe('Failed');
    const original = failed.steps.find((step) => step.stepName === 'Evaluate');

    s.script = 'fixed';
    const lines: string[] = [];
    const logged: { executionId: string; stepName: string; line: string }[] = [];
    const result = await reproduceStep({
      config: s.config,
      execution: failed.executionId.slice(0, 4),
      step: 'evaluate',
      runtime: s.runtime,
      objectStore: s.objectStore,
      onLine: (line) => lines.push(line),
      reporter: { stepLog: (event) => logged.push(event) },
    });

    expect(result.status).toBe('Succeeded');
    expect(result.exitCode).toBe(0);
    expect(result.source.jobName).toBe(original?.properties?.['ProcessingJobName']);
    expect(result.container?.env['PROCESSING_JOB_NAME']).toBe(result.source.jobName);
    expect(result.container?.env['THRESHOLD']).toBe('0.75');
    expect(result.container?.entrypoint).toEqual(['python3', '/opt/ml/processing/code/evaluate.py']);
    expect(s.seen).toEqual(['1,2\n3,4\n', '1,2\n3,4\n']);
    expect(lines).toEqual(['evaluated with THRESHOLD=0.75']);
    // The reporter hears the job's lines as it would in a run (the same step context).
    expect(logged).toEqual([{ executionId: failed.executionId, stepName: 'Evaluate', line: 'evaluated with THRESHOLD=0.75' }]);
    expect(readFileSync(result.logFile, 'utf8')).toBe('evaluated with THRESHOLD=0.75\n');

    const outputUri = `s3://bucket/eval/${failed.executionId}/report.json`;
    expect(result.outputs).toEqual([{ uri: outputUri, file: path.join(result.dir, 'outputs', 'bucket', 'eval', failed.executionId, 'report.json') }]);
    expect(await s.objectStore.exists(outputUri)).toBe(false);
    expect(result.propertyFiles).toEqual({ Report: { mse: 0.5 } });
    expect(result.dir.startsWith(path.join(s.config.home, 'reproductions', `${failed.executionId}-Evaluate-`))).toBe(true);
    const saved = JSON.parse(readFileSync(path.join(result.dir, 'reproduction.json'), 'utf8')) as { status: string; jobName: string; container: { image: string } };
    expect(saved).toMatchObject({ status: 'Succeeded', jobName: result.source.jobName, container: { image: 'my/evaluator:1' } });
    // Staged inputs are removed after a success (they are still in S3); --keep keeps them.
    const dataMount = result.container?.mounts.find((m) => m.containerPath === '/opt/ml/processing/data');
    expect(existsSync(dataMount?.hostPath ?? '')).toBe(false);
  });

  it('uploads over the job S3 locations only when asked, and keeps inputs with keep', async () => {
    const s = await setup();
    s.script = 'fixed';
    const done = await runOnce(s);
    await s.objectStore.delete(`s3://bucket/eval/${done.executionId}/report.json`);
    const result = await reproduceStep({ config: s.config, execution: done.executionId, step: 'Evaluate', runtime: s.runtime, objectStore: s.objectStore, upload: true, keep: true });
    expect(result.status).toBe('Succeeded');
    expect(result.outputs).toEqual([]);
    expect(result.uploaded).toBe(true);
    expect(await s.objectStore.exists(`s3://bucket/eval/${done.executionId}/report.json`)).toBe(true);
    const dataMount = result.container?.mounts.find((m) => m.containerPath === '/opt/ml/processing/data');
    expect(readFileSync(path.join(dataMount?.hostPath ?? '', 'rows.csv'), 'utf8')).toBe('1,2\n3,4\n');
  });

  it('reports a failure with the exit code and keeps everything to inspect', async () => {
    const s = await setup();
    const failed = await runOnce(s);
    const result = await reproduceStep({ config: s.config, execution: failed.executionId, step: 'Evaluate', runtime: s.runtime, objectStore: s.objectStore });
    expect(result.status).toBe('Failed');
    expect(result.exitCode).toBe(1);
    expect(result.failureReason).toContain("NameError: name 'squard' is not defined");
    const dataMount = result.container?.mounts.find((m) => m.containerPath === '/opt/ml/processing/data');
    expect(existsSync(path.join(dataMount?.hostPath ?? '', 'rows.csv'))).toBe(true);
  });

  it("limits the run's and the reproduction's container to the instance type's memory; instanceMemory false lifts it", async () => {
    const s = await setup();
    const failed = await runOnce(s);
    const m5xlarge = 16 * 1024 ** 3;
    expect(s.runtime.specs[0]?.memoryBytes).toBe(m5xlarge);

    const same = await reproduceStep({ config: s.config, execution: failed.executionId, step: 'Evaluate', runtime: s.runtime, objectStore: s.objectStore });
    expect(same.container?.memoryBytes).toBe(m5xlarge);
    const saved = JSON.parse(readFileSync(path.join(same.dir, 'reproduction.json'), 'utf8')) as { container: { memoryBytes?: number } };
    expect(saved.container.memoryBytes).toBe(m5xlarge);

    const unlimited = await reproduceStep({ config: { ...s.config, instanceMemory: false }, execution: failed.executionId, step: 'Evaluate', runtime: s.runtime, objectStore: s.objectStore });
    expect(unlimited.container).toBeDefined();
    expect(unlimited.container?.memoryBytes).toBeUndefined();
  });

  it('opens a shell in the job container, with inputs staged and config written, instead of running the job', async () => {
    const s = await setup();
    const failed = await runOnce(s);
    let seenByShell: { spec: ContainerSpec; inputStaged: boolean; configWritten: boolean } | undefined;
    const result = await reproduceStep({
      config: s.config,
      execution: failed.executionId,
      step: 'Evaluate',
      runtime: s.runtime,
      objectStore: s.objectStore,
      shell: async (spec) => {
        const host = (target: string): string => spec.mounts.find((m) => m.containerPath === target)?.hostPath ?? '';
        seenByShell = { spec, inputStaged: existsSync(path.join(host('/opt/ml/processing/data'), 'rows.csv')), configWritten: existsSync(path.join(host('/opt/ml/config'), 'processingjobconfig.json')) };
        return 3;
      },
    });
    expect(result).toMatchObject({ status: 'Shell', exitCode: 3 });
    expect(seenByShell).toMatchObject({ inputStaged: true, configWritten: true, spec: { image: 'my/evaluator:1' } });
    expect(s.seen).toHaveLength(1);
  });

  it.each([
    ['is not written', undefined, 'PROPERTY_FILE_NOT_FOUND', 'property file Report was not written'],
    ['is not JSON', 'mse=0.5', 'PROPERTY_FILE_NOT_JSON', 'is not JSON'],
  ])('fails, as the pipeline fails the step, when a declared property file %s', async (_label, content, code, reason) => {
    const s = await setup();
    s.script = 'fixed';
    const done = await runOnce(s);
    const original = done.steps.find((step) => step.stepName === 'Evaluate');
    // Its report in S3 would be read in place of the missing one, as in a pipeline run.
    await s.objectStore.delete(`s3://bucket/eval/${done.executionId}/report.json`);
    const runtime = new FakeContainerEngine({
      behaviour: async (container) => {
        if (content !== undefined) await writeFile(path.join(container.hostPath('/opt/ml/processing/evaluation'), 'report.json'), content);
        return { exitCode: 0 };
      },
    });
    const result = await reproduceStep({ config: s.config, execution: done.executionId, step: 'Evaluate', runtime, objectStore: s.objectStore });
    // The same reason the pipeline run gives (engine/property-files.ts), the container exited 0.
    await using env = await createRunEnvironment(s.config, { runtime, objectStore: s.objectStore, store: 'memory' });
    const failedRun = await runPipeline({ definition, parameters: {}, pipelineName: 'evaluation', config: s.config, executors: env.executors, objectStore: env.objectStore, store: env.store });
    const pipelineReason = failedRun.steps.find((step) => step.stepName === 'Evaluate')?.failureReason ?? '';
    expect(original?.status).toBe('Succeeded');
    expect(result).toMatchObject({ status: 'Failed', exitCode: 0, propertyFiles: {} });
    expect(result.failureReason).toContain(reason);
    expect(pipelineReason).toContain(reason);
    expect(JSON.parse(readFileSync(path.join(result.dir, 'reproduction.json'), 'utf8'))).toMatchObject({ status: 'Failed', failureCode: code });
  });

  it.each([
    ['a Condition step', 'Gate', 'STEP_NOT_REPRODUCIBLE'],
    ['a step that never started', 'Never', 'STEP_NOT_STARTED'],
    ['an unknown step', 'Nope', 'STEP_NOT_FOUND'],
  ])('refuses %s', async (_label, step, code) => {
    const s = await setup();
    s.script = 'fixed';
    const done = await runOnce(s);
    const error = await reproduceStep({ config: s.config, execution: done.executionId, step, runtime: s.runtime, objectStore: s.objectStore }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe(code);
  });
});

describe('sagesim reproduce --shell', () => {
  it('needs a terminal, and says so before doing anything', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'sagesim-reproduce-cli-'));
    dirs.push(cwd);
    let err = '';
    const io: CliIo = {
      stdout: { write: () => true, isTTY: false },
      stderr: { write: (chunk: string) => (err += chunk) },
      env: {},
      cwd,
      stdin: Object.assign(new EventEmitter(), { isTTY: false }) as unknown as CliIo['stdin'],
      signals: new EventEmitter() as unknown as NonNullable<CliIo['signals']>,
    };
    const code = await runCli(['reproduce', 'abc', 'Evaluate', '--shell', '--home', path.join(cwd, 'home')], io);
    expect(code).toBe(2);
    expect(err).toContain('--shell needs an interactive terminal, but stdin is not a TTY');
  });
});

describe('reading a cloud job', () => {
  const arn = 'arn:aws:sagemaker:eu-west-1:444455556666:pipeline/housing/execution/abcdef123456';
  const describer: JobDescriber = {
    description: 'fake',
    listSteps: async () => [
      { StepName: 'TrainModel', StepStatus: 'Succeeded', Metadata: { TrainingJob: { Arn: 'arn:aws:sagemaker:eu-west-1:444455556666:training-job/pipelines-abcdef123456-trainmodel-x1' } } },
      { StepName: 'CheckMse', StepStatus: 'Succeeded', Metadata: { Condition: { Outcome: 'True' } } },
    ],
    describeJob: async (type, name) => ({
      TrainingJobName: 'pipelines-abcdef123456-TrainModel-X1',
      TrainingJobArn: `arn:${type}:${name}`,
      TrainingJobStatus: 'Completed',
      AlgorithmSpecification: { TrainingImage: 'xgboost:1', TrainingInputMode: 'File' },
      HyperParameters: { max_depth: '5' },
      InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3Uri: 's3://b/train/', S3DataType: 'S3Prefix' } } }],
      OutputDataConfig: { S3OutputPath: 's3://b/models' },
      ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.m5.xlarge', VolumeSizeInGB: 30 },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
      FinalMetricDataList: [{ MetricName: 'validation:rmse', Value: 0.5 }],
    }),
    describeModel: async () => ({}),
  };

  it('takes the Create fields of the description, the job name as described, and the identity from the ARN', async () => {
    const source = await cloudSource(describer, arn, 'trainmodel');
    expect(source).toMatchObject({ origin: 'cloud', stepType: 'Training', jobName: 'pipelines-abcdef123456-TrainModel-X1', execution: { executionId: 'abcdef123456', region: 'eu-west-1', accountId: '444455556666', pipelineName: 'housing' } });
    expect(Object.keys(source.arguments).sort()).toEqual(['AlgorithmSpecification', 'HyperParameters', 'InputDataConfig', 'OutputDataConfig', 'ResourceConfig', 'StoppingCondition']);
  });

  it('refuses a step that ran no job', async () => {
    expect(codeOf(await cloudSource(describer, arn, 'CheckMse').catch((e: unknown) => e))).toBe('STEP_NOT_REPRODUCIBLE');
    expect(codeOf(await cloudSource(describer, 'arn:aws:sagemaker:x', 'TrainModel').catch((e: unknown) => e))).toBe('INVALID_EXECUTION_ARN');
  });
});
