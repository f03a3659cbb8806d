// `run --no-mock` against a scripted control plane: submission (upsert), following with back-off
// on a fake clock, the events the progress view sees, and AWS errors turned into clear messages.
import type { DescribePipelineExecutionResponse, ListPipelineExecutionStepsResponse, PipelineExecutionStep } from '@aws-sdk/client-sagemaker';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/engine/clock.js';
import type { Reporter } from '../../src/engine/events.js';
import { ParameterError, SagesimError } from '../../src/errors.js';
import { toAwsError } from '../../src/remote/aws-error.js';
import { rewriteBuckets } from '../../src/remote/bucket-rewrite.js';
import { followExecution } from '../../src/remote/follow-execution.js';
import { runRemote } from '../../src/remote/run-remote.js';
import type { SageMakerControl } from '../../src/remote/sagemaker-control.js';
import { MemorySageMakerControl } from '../../src/remote/memory-sagemaker-control.js';
import { parseDefinition } from '../../src/engine/load-definition.js';
import { readFileSync } from 'node:fs';

const ABALONE = path.resolve('fixtures/definitions/abalone.json');
const ARN = 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/abalone/execution/abc123def456';
const T0 = Date.parse('2024-01-01T00:00:00.000Z');

/** One poll's answer: execution status and the steps listed. */
interface Snapshot {
  readonly status: DescribePipelineExecutionResponse['PipelineExecutionStatus'];
  readonly steps: PipelineExecutionStep[];
  readonly failureReason?: string;
}

class ScriptedControl implements SageMakerControl {
  readonly description = 'the SageMaker endpoint http://127.0.0.1:1';
  readonly calls: string[] = [];
  polls = 0;
  createError: unknown;
  updateError: unknown;

  constructor(private readonly script: Snapshot[]) {}

  async createPipeline(request: { PipelineName?: string }): Promise<{ PipelineArn: string }> {
    this.calls.push(`CreatePipeline ${request.PipelineName}`);
    if (this.createError) throw this.createError;
    return { PipelineArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/abalone' };
  }
  async updatePipeline(request: { PipelineName?: string }): Promise<{ PipelineArn: string }> {
    this.calls.push(`UpdatePipeline ${request.PipelineName}`);
    if (this.updateError) throw this.updateError;
    return { PipelineArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/abalone' };
  }
  async startPipelineExecution(request: { PipelineParameters?: { Name?: string; Value?: string }[] }): Promise<{ PipelineExecutionArn: string }> {
    this.calls.push(`StartPipelineExecution ${JSON.stringify(request.PipelineParameters)}`);
    return { PipelineExecutionArn: ARN };
  }
  async describePipelineExecution(): Promise<DescribePipelineExecutionResponse> {
    const snapshot = this.current();
    return { PipelineExecutionArn: ARN, PipelineExecutionStatus: snapshot.status, FailureReason: snapshot.failureReason, CreationTime: new Date(T0) };
  }
  async listPipelineExecutionSteps(): Promise<ListPipelineExecutionStepsResponse> {
    const snapshot = this.current();
    this.polls++;
    return { PipelineExecutionSteps: snapshot.steps };
  }
  async stopPipelineExecution(arn: string): Promise<void> {
    this.calls.push(`StopPipelineExecution ${arn}`);
  }
  private current(): Snapshot {
    return this.script[Math.min(this.polls, this.script.length - 1)] as Snapshot;
  }
}

/** A clock that records how long each poll waited. */
class RecordingClock extends FakeClock {
  readonly waits: number[] = [];
  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.waits.push(ms);
    return super.sleep(ms, signal);
  }
}

function recorder(): { reporter: Reporter; events: string[] } {
  const events: string[] = [];
  return {
    events,
    reporter: {
      stepStarted: (e) => events.push(`${e.step.stepName} started #${e.attempt}`),
      stepSucceeded: (e) => events.push(`${e.step.stepName} succeeded`),
      stepCached: (e) => events.push(`${e.step.stepName} cached`),
      stepFailed: (e) => events.push(`${e.step.stepName} failed${e.willRetry ? ' (retrying)' : ''}`),
      stepSkipped: (e) => events.push(`${e.step.stepName} not run`),
      executionFinished: (e) => events.push(`execution ${e.status}`),
    },
  };
}

const at = (seconds: number): Date => new Date(T0 + seconds * 1000);
const running = (name: string, start: number, attempt = 1): PipelineExecutionStep => ({ StepName: name, StepStatus: 'Executing', StartTime: at(start), AttemptCount: attempt });
const done = (name: string, start: number, extra: Partial<PipelineExecutionStep> = {}): PipelineExecutionStep => ({
  StepName: name,
  StepStatus: 'Succeeded',
  StartTime: at(start),
  EndTime: at(start + 5),
  AttemptCount: 1,
  ...extra,
});

describe('followExecution', () => {
  it('reports each transition once, retries and cache hits included, and the steps that never ran', async () => {
    const control = new ScriptedControl([
      { status: 'Executing', steps: [running('AbaloneProcess', 1)] },
      { status: 'Executing', steps: [running('AbaloneProcess', 1)] },
      { status: 'Executing', steps: [done('AbaloneProcess', 1, { CacheHitResult: { SourcePipelineExecutionArn: 'arn:old' } }), running('AbaloneTrain', 7)] },
      { status: 'Executing', steps: [done('AbaloneProcess', 1, { CacheHitResult: { SourcePipelineExecutionArn: 'arn:old' } }), running('AbaloneTrain', 7, 2)] },
      {
        status: 'Succeeded',
        steps: [
          done('AbaloneProcess', 1, { CacheHitResult: { SourcePipelineExecutionArn: 'arn:old' } }),
          done('AbaloneTrain', 7, { AttemptCount: 2 }),
          done('AbaloneEval', 20),
          done('AbaloneMSECond', 30, { Metadata: { Condition: { Outcome: 'False' } } }),
          { StepName: 'AbaloneMSEFail', StepStatus: 'Failed', StartTime: at(31), FailureReason: 'MSE too high', AttemptCount: 1 },
        ],
      },
    ]);
    const { reporter, events } = recorder();
    const clock = new RecordingClock(T0);
    const record = await clock.runUntilSettled(
      followExecution({ control, executionArn: ARN, pipelineName: 'abalone', definition: parseDefinition(readFileSync(ABALONE, 'utf8'), ABALONE), reporter, clock }),
    );
    expect(events).toEqual([
      'AbaloneProcess started #1',
      'AbaloneProcess cached',
      'AbaloneTrain started #1',
      'AbaloneTrain failed (retrying)',
      'AbaloneTrain started #2',
      'AbaloneTrain succeeded',
      'AbaloneEval succeeded',
      'AbaloneMSECond succeeded',
      'AbaloneMSEFail failed',
      'AbaloneRegisterModel-RegisterModel not run',
      'AbaloneCreateModel-CreateModel not run',
      'AbaloneTransform not run',
      'execution Succeeded',
    ]);
    expect(record).toMatchObject({ mode: 'remote', status: 'Succeeded', executionId: 'abc123def456' });
    expect(record.steps.find((s) => s.stepName === 'AbaloneTrain')).toMatchObject({ stepType: 'Training', attemptCount: 2 });
    // Nothing changed between the first two polls: the wait grew; a change brought it back.
    expect(clock.waits).toEqual([1000, 1500, 1000, 1000]);
  });

  it('backs off to the ceiling while nothing changes', async () => {
    const control = new ScriptedControl([...Array.from({ length: 12 }, () => ({ status: 'Executing' as const, steps: [running('AbaloneProcess', 1)] })), { status: 'Failed', steps: [], failureReason: 'boom' }]);
    const clock = new RecordingClock(T0);
    const record = await clock.runUntilSettled(
      followExecution({ control, executionArn: ARN, pipelineName: 'abalone', definition: parseDefinition(readFileSync(ABALONE, 'utf8'), ABALONE), clock, backoff: { initialMs: 1000, factor: 2, maxMs: 8000 } }),
    );
    expect(clock.waits.slice(0, 6)).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect(record).toMatchObject({ status: 'Failed', failureReason: 'boom' });
  });
});

describe('runRemote', () => {
  const finished: Snapshot = { status: 'Succeeded', steps: [done('AbaloneProcess', 1)] };

  it('creates the pipeline, starts it with the given parameters and follows it', async () => {
    const control = new ScriptedControl([finished]);
    const result = await runRemote({ file: ABALONE, control, role: 'arn:aws:iam::111122223333:role/R', parameters: { MseThreshold: '7' } });
    expect(control.calls).toEqual(['CreatePipeline abalone', 'StartPipelineExecution [{"Name":"MseThreshold","Value":"7"}]']);
    expect(result).toMatchObject({ created: true, executionArn: ARN, record: { status: 'Succeeded' } });
  });

  it('updates a pipeline that exists (the upsert the SDK does), told so by the control plane as SageMaker tells it', async () => {
    // The fake answers a second CreatePipeline as the contract suite holds SageMaker's API to.
    const control = new MemorySageMakerControl();
    const first = await runRemote({ file: ABALONE, control, role: 'arn:aws:iam::111122223333:role/R', wait: false });
    const second = await runRemote({ file: ABALONE, control, role: 'arn:aws:iam::111122223333:role/R', wait: false });
    expect(first).toMatchObject({ created: true, pipelineArn: 'arn:aws:sagemaker:us-east-1:111122223333:pipeline/abalone' });
    expect(second).toMatchObject({ created: false, pipelineArn: first.pipelineArn });
    expect(second.executionArn).not.toBe(first.executionArn);
    expect(second.record).toBeUndefined();
  });

  it('without --role, a pipeline that does not exist is an error that says to pass --role', async () => {
    await expect(runRemote({ file: ABALONE, control: new MemorySageMakerControl() })).rejects.toMatchObject({ code: 'ROLE_REQUIRED', hint: expect.stringContaining('--role') });
  });

  it('rejects parameters of the wrong type before calling anything', async () => {
    const control = new ScriptedControl([finished]);
    await expect(runRemote({ file: ABALONE, control, role: 'arn:aws:iam::111122223333:role/R', parameters: { ProcessingInstanceCount: 'two' } })).rejects.toBeInstanceOf(ParameterError);
    expect(control.calls).toEqual([]);
  });
});

describe('AWS errors', () => {
  const context = { action: 'CreatePipeline abalone', target: 'SageMaker in us-east-1', role: 'arn:aws:iam::1:role/R' };
  it.each([
    ['access denied', Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }), 'AWS_ACCESS_DENIED', /iam:PassRole/],
    ['expired credentials', Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredTokenException' }), 'AWS_EXPIRED_CREDENTIALS', /aws sso login/],
    ['no credentials', Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), 'AWS_NO_CREDENTIALS', /AWS_PROFILE/],
    ['a missing role', Object.assign(new Error('Could not assume role arn:aws:iam::1:role/R'), { name: 'ValidationException' }), 'AWS_ROLE_INVALID', /--role/],
    ['a validation error', Object.assign(new Error('bad definition'), { name: 'ValidationException' }), 'AWS_VALIDATION', /sagesim validate/],
    ['an unreachable endpoint', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8577'), { code: 'ECONNREFUSED' }), 'AWS_UNREACHABLE', /sagesim serve --port 8577/],
    ['a profile without credentials', Object.assign(new Error('Could not resolve credentials using profile: [nobody] in configuration/credentials file(s).'), { name: 'CredentialsProviderError' }), 'AWS_NO_CREDENTIALS', /AWS_PROFILE/],
    [
      'an operation the endpoint lacks (moto: an HTML page where JSON belongs)',
      Object.assign(new SyntaxError('Unexpected token \'<\', "<!doctype "... is not valid JSON\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.'), { $metadata: { httpStatusCode: 500 } }),
      'AWS_UNSUPPORTED_OPERATION',
      /--no-wait/,
    ],
  ])('%s becomes one message with a hint', (_label, error, code, hint) => {
    const mapped = toAwsError(error, { ...context, endpoint: 'http://127.0.0.1:8577' });
    expect(mapped).toBeInstanceOf(SagesimError);
    expect(mapped).toMatchObject({ code, source: 'aws' });
    expect(mapped.message).toContain('CreatePipeline abalone failed against SageMaker in us-east-1');
    expect(mapped.hint).toMatch(hint);
  });
});

describe('--bucket', () => {
  it('moves default-bucket URIs and Std:Join bucket parts, and leaves other buckets alone', () => {
    const text = JSON.stringify({
      a: 's3://sagemaker-us-east-1-111122223333/abalone/data.csv',
      join: { 'Std:Join': { On: '/', Values: ['s3:/', 'sagemaker-us-east-1-111122223333', 'out'] } },
      other: 's3://someone-elses-bucket/x',
      asset: 's3://fixture-bucket/code/train.py',
    });
    const rewritten = JSON.parse(rewriteBuckets(text, 'my-bucket', ['fixture-bucket'])) as Record<string, unknown>;
    expect(rewritten).toEqual({
      a: 's3://my-bucket/abalone/data.csv',
      join: { 'Std:Join': { On: '/', Values: ['s3:/', 'my-bucket', 'out'] } },
      other: 's3://someone-elses-bucket/x',
      asset: 's3://my-bucket/code/train.py',
    });
    expect(() => rewriteBuckets(text, 's3://my-bucket', [])).toThrow(/not an S3 bucket name/);
  });
});
