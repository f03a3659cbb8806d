import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobStep } from '../../src/engine/definition-types.js';
import { getModel } from '../../src/mock-aws/model-store.js';
import { ModelExecutor } from '../../src/steps/model-executor.js';
import { executorContext } from './support/executor-context.js';

let home: string;
beforeEach(async () => {
  home = await mkdtemp(path.join(tmpdir(), 'sagesim-model-'));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const now = (): Date => new Date('2024-05-01T12:00:00Z');

function modelStep(args: JobStep['Arguments']): JobStep {
  return { Name: 'CreateModel', Type: 'Model', Arguments: args };
}

describe('Model step', () => {
  it('records the model under the generated job name when ModelName is absent', async () => {
    const step = modelStep({
      PrimaryContainer: { Image: 'sagesim/sklearn', ModelDataUrl: 's3://b/model.tar.gz', Environment: { SAGEMAKER_PROGRAM: 'inference.py', WORKERS: 2 } },
      ExecutionRoleArn: 'arn:aws:iam::111122223333:role/r',
    });
    const context = await executorContext(step);
    const result = await new ModelExecutor({ home, now }).execute(context);
    expect(result.properties['ModelName']).toBe('pipelines-abcdef123456-CreateModel-Xy12Ab34Cd');
    expect(result.properties['ModelArn']).toBe('arn:aws:sagemaker:us-east-1:111122223333:model/pipelines-abcdef123456-createmodel-xy12ab34cd');
    expect(result.properties['PrimaryContainer']).toEqual({
      Image: 'sagesim/sklearn',
      ModelDataUrl: 's3://b/model.tar.gz',
      Environment: { SAGEMAKER_PROGRAM: 'inference.py', WORKERS: '2' },
    });
    expect(result.metadata).toEqual({ Model: { Arn: result.properties['ModelArn'] } });
    const stored = await getModel(home, 'pipelines-abcdef123456-CreateModel-Xy12Ab34Cd');
    expect(stored.CreationTime).toBe('2024-05-01T12:00:00.000Z');
    expect(stored.ExecutionRoleArn).toBe('arn:aws:iam::111122223333:role/r');
  });

  it('uses a given ModelName and warns when it replaces an existing model', async () => {
    const step = modelStep({ ModelName: 'churn-model', Containers: [{ Image: 'sagesim/xgboost' }] });
    const executor = new ModelExecutor({ home, now });
    const first = await executorContext(step);
    await executor.execute(first);
    expect(first.warnings).toEqual([]);
    const second = await executorContext(step);
    const result = await executor.execute(second);
    expect(result.properties['ModelName']).toBe('churn-model');
    expect(second.warnings.join()).toContain('already existed');
  });

  it.each([
    ['no container', {}, 'give PrimaryContainer or Containers'],
    ['both forms', { PrimaryContainer: { Image: 'a' }, Containers: [{ Image: 'b' }] }, 'not both'],
    ['no image', { PrimaryContainer: { ModelDataUrl: 's3://b/m.tar.gz' } }, 'PrimaryContainer.Image is required'],
    ['bad name', { ModelName: 'has space', PrimaryContainer: { Image: 'a' } }, 'ModelName'],
  ])('fails the step on invalid arguments: %s', async (_label, args, message) => {
    const context = await executorContext(modelStep(args));
    await expect(new ModelExecutor({ home, now }).execute(context)).rejects.toMatchObject({
      name: 'StepFailure',
      code: 'INVALID_STEP_ARGUMENTS',
      message: expect.stringContaining(message),
    });
  });
});
