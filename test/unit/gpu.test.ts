// GPU instance types: a job asks Docker for its instance type's GPUs (DeviceRequests) when the
// engine has them, says clearly when it has none, and runs on the CPU when told to.
import { describe, expect, it } from 'vitest';
import { StepFailure } from '../../src/errors.js';
import { createOptions, gpuSupportFromInfo } from '../../src/adapters/docker/container-options.js';
import { FakeContainerEngine } from '../../src/ports/fake-container-engine.js';
import { instanceGpuCount } from '../../src/steps/instance-gpus.js';
import { ProcessingExecutor } from '../../src/steps/processing-executor.js';
import { TrainingExecutor } from '../../src/steps/training-executor.js';
import { executorContext } from './support/executor-context.js';
import { TEST_CONFIG, jobDeps } from './support/job-deps.js';
import { processingStep, trainingStep } from './support/pipeline-builders.js';

describe('GPUs of an instance type', () => {
  it.each([
    ['ml.g4dn.xlarge', 1],
    ['ml.g5.12xlarge', 4],
    ['ml.g5.48xlarge', 8],
    ['ml.p3.2xlarge', 1],
    ['ml.p3.16xlarge', 8],
    ['ml.p4d.24xlarge', 8],
    ['ml.p2.16xlarge', 16],
    ['local_gpu', -1],
    ['ml.m5.xlarge', undefined],
    ['local', undefined],
  ] as const)('%s: %s', (type, count) => {
    expect(instanceGpuCount(type)).toBe(count);
  });

  it('an unknown size of a GPU family still asks for a GPU', () => {
    expect(instanceGpuCount('ml.g9.xlarge')).toBe(1);
  });
});

describe('what the engine offers', () => {
  it.each([
    ['the nvidia runtime', { Runtimes: { runc: {}, nvidia: { path: 'nvidia-container-runtime' } } }, true],
    ['CDI GPU devices', { Runtimes: { runc: {} }, DiscoveredDevices: [{ Source: 'cdi', ID: 'nvidia.com/gpu=all' }] }, true],
    ['neither', { Runtimes: { runc: {} }, CDISpecDirs: ['/etc/cdi'] }, false],
  ])('%s', (_label, info, available) => {
    expect(gpuSupportFromInfo(info).available).toBe(available);
  });

  it('Docker gets DeviceRequests with the gpu capability and the count', () => {
    const spec = { image: 'x', env: {}, mounts: [], labels: { 'sagesim.execution-id': 'e', 'sagesim.step': 's' }, network: 'host' as const };
    expect(createOptions({ ...spec, gpus: { count: 4 } }).HostConfig?.DeviceRequests).toEqual([{ Driver: '', Count: 4, Capabilities: [['gpu']] }]);
    expect(createOptions({ ...spec, gpus: { count: -1 } }).HostConfig?.DeviceRequests).toEqual([{ Driver: '', Count: -1, Capabilities: [['gpu']] }]);
    expect(createOptions(spec).HostConfig?.DeviceRequests).toBeUndefined();
  });
});

describe('a job on a GPU instance type', () => {
  const gpuTraining = (type: string) => trainingStep('Train', { args: { ResourceConfig: { InstanceCount: 1, InstanceType: type, VolumeSizeInGB: 30 } } });

  it('Training on ml.g5.12xlarge: 4 GPUs requested, SM_NUM_GPUS=4', async () => {
    const deps = jobDeps(undefined, { runtime: new FakeContainerEngine({ gpus: { available: true, detail: 'nvidia runtime' } }) });
    await new TrainingExecutor(deps).execute(await executorContext(gpuTraining('ml.g5.12xlarge')));
    expect(deps.runtime.specs[0]?.gpus).toEqual({ count: 4 });
    expect(deps.runtime.specs[0]?.env['SM_NUM_GPUS']).toBe('4');
  });

  it('local_gpu: every GPU the engine has', async () => {
    const deps = jobDeps(undefined, { runtime: new FakeContainerEngine({ gpus: { available: true, detail: 'nvidia runtime' } }) });
    await new TrainingExecutor(deps).execute(await executorContext(gpuTraining('local_gpu')));
    expect(deps.runtime.specs[0]?.gpus).toEqual({ count: -1 });
    expect(deps.runtime.specs[0]?.env['SM_NUM_GPUS']).toBeUndefined();
  });

  it('Processing on ml.p3.2xlarge asks for its GPU too', async () => {
    const deps = jobDeps(undefined, { runtime: new FakeContainerEngine({ gpus: { available: true, detail: 'nvidia runtime' } }) });
    const step = processingStep('Prep', { args: { ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.p3.2xlarge', VolumeSizeInGB: 30 } } } });
    await new ProcessingExecutor(deps).execute(await executorContext(step));
    expect(deps.runtime.specs[0]?.gpus).toEqual({ count: 1 });
  });

  it('an engine without GPUs: the step fails before any container, saying how to run on the CPU', async () => {
    const deps = jobDeps();
    const error = await new TrainingExecutor(deps).execute(await executorContext(gpuTraining('ml.g4dn.xlarge'))).catch((e: unknown) => e);
    expect(deps.runtime.specs).toHaveLength(0);
    expect(error).toBeInstanceOf(StepFailure);
    expect(error).toMatchObject({ code: 'GPU_UNAVAILABLE', source: 'user' });
    expect((error as StepFailure).message).toMatch(/step "Train": instance type ml\.g4dn\.xlarge has 1 GPU, but the Docker engine offers none/);
    expect((error as StepFailure).message).toMatch(/"gpu": false.*SAGESIM_GPU=0.*--no-gpu/);
  });

  it('gpu: false runs it on the CPU, with a warning and SM_NUM_GPUS=0', async () => {
    const deps = jobDeps(undefined, { config: { ...TEST_CONFIG, gpu: false } });
    const context = await executorContext(gpuTraining('ml.g4dn.xlarge'));
    await new TrainingExecutor(deps).execute(context);
    expect(deps.runtime.specs[0]?.gpus).toBeUndefined();
    expect(deps.runtime.specs[0]?.env['SM_NUM_GPUS']).toBe('0');
    expect(context.warnings.join('\n')).toMatch(/ml\.g4dn\.xlarge .*runs on the CPU/);
  });
});
