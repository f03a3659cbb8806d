// The API emulator's pure pieces: request validation against the service model's constraints,
// page tokens, and the wire format of responses.
import { describe, expect, it } from 'vitest';
import type { ApiError } from '../../src/mock-aws/sagemaker-api/api-error.js';
import { OPERATION_SHAPES } from '../../src/mock-aws/sagemaker-api/operation-shapes.js';
import { paginate } from '../../src/mock-aws/sagemaker-api/pagination.js';
import { validateInput } from '../../src/mock-aws/sagemaker-api/validation.js';
import { toWire } from '../../src/mock-aws/sagemaker-api/wire.js';

const shape = (operation: string) => {
  const found = OPERATION_SHAPES[operation];
  if (!found) throw new Error(`no shape for ${operation}`);
  return found;
};
const problem = (operation: string, input: unknown): ApiError => {
  try {
    validateInput(shape(operation), input);
  } catch (error) {
    return error as ApiError;
  }
  throw new Error('no violation reported');
};
const pipeline = { PipelineName: 'p', RoleArn: 'arn:aws:iam::111122223333:role/R', ClientRequestToken: 'x'.repeat(32) };

describe('validateInput', () => {
  it.each([
    ['a unicode tag key', 'CreatePipeline', { ...pipeline, Tags: [{ Key: 'team:ml/é', Value: 'a b' }] }],
    ['a versioned model package ARN', 'DescribeModelPackage', { ModelPackageName: 'arn:aws:sagemaker:us-east-1:111122223333:model-package/grp/3' }],
    ['a pipeline ARN where a name or ARN is allowed', 'DescribePipeline', { PipelineName: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/p' }],
    ['members the model does not know', 'ListPipelines', { SomethingNew: 1 }],
  ])('accepts %s', (_label, operation, input) => {
    expect(() => validateInput(shape(operation), input)).not.toThrow();
  });

  it.each([
    ['a tag key with #', 'CreatePipeline', { ...pipeline, Tags: [{ Key: 'bad#', Value: 'v' }] }, "Value 'bad#' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern"],
    ['a group name ending in -', 'ListModelPackages', { ModelPackageGroupName: 'grp-' }, "at 'modelPackageGroupName'"],
    ['MaxResults above 100', 'ListPipelines', { MaxResults: 101 }, 'Member must have value less than or equal to 100'],
    ['a short ClientRequestToken', 'StartPipelineExecution', { PipelineName: 'p', ClientRequestToken: 'short' }, 'Member must have length greater than or equal to 32'],
    ['an unknown SortOrder', 'ListPipelines', { SortOrder: 'Sideways' }, 'Member must satisfy enum value set: [Ascending, Descending]'],
    ['an empty SelectedSteps', 'StartPipelineExecution', { PipelineName: 'p', ClientRequestToken: 'x'.repeat(32), SelectiveExecutionConfig: { SelectedSteps: [] } }, "at 'selectiveExecutionConfig.selectedSteps'"],
  ])('rejects %s in the cloud wording', (_label, operation, input, text) => {
    const error = problem(operation, input);
    expect(error.type).toBe('ValidationException');
    expect(error.message).toMatch(/^1 validation error detected: /);
    expect(error.message).toContain(text);
  });

  it('a member of the wrong JSON type is a SerializationException', () => {
    expect(problem('ListPipelines', { CreatedAfter: 'yesterday' })).toMatchObject({ type: 'SerializationException', message: expect.stringContaining('createdAfter') });
  });
});

describe('paginate', () => {
  const items = ['a', 'b', 'c', 'd', 'e'];
  it('walks every item once, page by page', () => {
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = paginate(items, { MaxResults: 2, ...(token ? { NextToken: token } : {}) }, 'scope');
      seen.push(...page.items);
      token = page.nextToken;
    } while (token);
    expect(seen).toEqual(items);
  });

  it('rejects a token issued for another listing', () => {
    const { nextToken } = paginate(items, { MaxResults: 2 }, 'one');
    expect(() => paginate(items, { NextToken: nextToken as string }, 'two')).toThrow(/Invalid pagination token/);
  });
});

describe('toWire', () => {
  it('sends timestamps as epoch seconds, leaves user maps and absent members out of it', () => {
    expect(
      toWire({
        CreationTime: new Date('2024-01-01T00:00:01.500Z'),
        TrainingStartTime: '2024-01-01T00:00:02.000Z',
        Environment: { StartTime: '2024-01-01T00:00:00Z' },
        FailureReason: undefined,
        Steps: [{ EndTime: '2024-01-01T00:00:03.000Z' }],
      }),
    ).toEqual({
      CreationTime: 1704067201.5,
      TrainingStartTime: 1704067202,
      Environment: { StartTime: '2024-01-01T00:00:00Z' },
      Steps: [{ EndTime: 1704067203 }],
    });
  });
});
