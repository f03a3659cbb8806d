// Execution identities and job names shaped like the cloud's.
import { describe, expect, it } from 'vitest';
import { MAX_JOB_NAME_LENGTH, jobNameFor, newExecutionIdentity, pipelineAccountId } from '../../src/engine/identity.js';
import { definition, trainingStep } from './support/pipeline-builders.js';

/** A deterministic source of randomness: a linear congruential generator. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const NOW = new Date('2024-05-01T10:00:00Z');

describe('newExecutionIdentity', () => {
  const identity = newExecutionIdentity({ pipelineName: 'AbalonePipeline', region: 'us-east-1', accountId: '111122223333', now: NOW, random: seeded(1) });

  it('has a 12-character lowercase alphanumeric execution id', () => {
    expect(identity.executionId).toMatch(/^[a-z0-9]{12}$/);
  });

  it('builds ARNs like the cloud, with the pipeline name lowercased', () => {
    expect(identity.pipelineArn).toBe('arn:aws:sagemaker:us-east-1:111122223333:pipeline/abalonepipeline');
    expect(identity.executionArn).toBe(`arn:aws:sagemaker:us-east-1:111122223333:pipeline/abalonepipeline/execution/${identity.executionId}`);
  });

  it('keeps the pipeline name as given, the region, the account and the start time', () => {
    expect(identity).toMatchObject({ pipelineName: 'AbalonePipeline', region: 'us-east-1', accountId: '111122223333', startTime: NOW });
  });

  it('gives the same id for the same randomness and different ids otherwise', () => {
    const again = newExecutionIdentity({ pipelineName: 'P', region: 'eu-west-1', accountId: '1', now: NOW, random: seeded(1) });
    const other = newExecutionIdentity({ pipelineName: 'P', region: 'eu-west-1', accountId: '1', now: NOW, random: seeded(2) });
    expect(again.executionId).toBe(identity.executionId);
    expect(other.executionId).not.toBe(identity.executionId);
  });
});

describe('jobNameFor', () => {
  const identity = newExecutionIdentity({ pipelineName: 'AbalonePipeline', region: 'us-east-1', accountId: '111122223333', now: NOW, random: seeded(3) });
  const SAGEMAKER_JOB_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

  it.each<[string, RegExp]>([
    ['AbaloneTrain', /^pipelines-[a-z0-9]{12}-AbaloneTrain-[A-Za-z0-9]{10}$/],
    ['Register-RegisterModel', /^pipelines-[a-z0-9]{12}-Register-RegisterModel-[A-Za-z0-9]{10}$/],
    ['train_with_underscores', /^pipelines-[a-z0-9]{12}-train-with-underscores-[A-Za-z0-9]{10}$/],
    ['A'.repeat(64), /^pipelines-[a-z0-9]{12}-A{29}-[A-Za-z0-9]{10}$/],
    ['___', /^pipelines-[a-z0-9]{12}-[A-Za-z0-9]{10}$/],
  ])('names the job of step %s like the cloud', (step, shape) => {
    const name = jobNameFor(identity, step, 1, seeded(4));
    expect(name).toMatch(shape);
    expect(name).toMatch(SAGEMAKER_JOB_NAME);
    expect(name.length).toBeLessThanOrEqual(MAX_JOB_NAME_LENGTH);
  });

  it('starts with the execution id', () => {
    expect(jobNameFor(identity, 'S', 1)).toContain(`pipelines-${identity.executionId}-S-`);
  });

  it('gives each attempt a fresh random suffix', () => {
    const random = seeded(5);
    expect(jobNameFor(identity, 'S', 1, random)).not.toBe(jobNameFor(identity, 'S', 2, random));
  });
});

describe('the account in a pipeline\'s ARNs', () => {
  const role = (account: string) => `arn:aws:iam::${account}:role/r`;
  const withRoles = (...accounts: string[]) => definition(accounts.map((account, i) => trainingStep(`T${i}`, { args: { RoleArn: role(account) } })));
  it.each([
    ['the pipeline role\'s account, whatever the steps say', { roleArn: role('444455556666'), definition: withRoles('777788889999') }, '444455556666'],
    ['no pipeline role (sagesim run): the one account the steps\' roles name', { definition: withRoles('777788889999', '777788889999') }, '777788889999'],
    ['steps naming two accounts: the configured one', { definition: withRoles('777788889999', '444455556666') }, '111122223333'],
    ['no role anywhere: the configured one', { definition: definition([]) }, '111122223333'],
    ['a role that is not an ARN: the configured one', { roleArn: 'SageMakerRole' }, '111122223333'],
  ])('%s', (_label, options, expected) => {
    expect(pipelineAccountId({ ...options, configured: '111122223333' })).toBe(expected);
  });
});
