// The SageMakerControl contract (src/remote/sagemaker-control.ts): what `run --no-mock` relies on
// from the SageMaker control plane, run against every implementation: the in-memory fake (unit),
// the AWS SDK adapter on `sagesim serve` and on moto's server (integration). A case an
// implementation is known not to meet is skipped for it with the reason, so that the gaps are
// written down rather than hidden (moto runs nothing, and answers ValidationException where
// SageMaker answers ResourceNotFound).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DescribePipelineExecutionResponse } from '@aws-sdk/client-sagemaker';
import type { SageMakerControl } from '../../src/remote/sagemaker-control.js';

export const CONTRACT_ROLE = 'arn:aws:iam::111122223333:role/SageMakerExecutionRole';

/** A Lambda step (stubbed by a local endpoint) then a Condition: it succeeds at once. */
export const QUICK_DEFINITION = JSON.stringify({
  Version: '2020-12-01',
  Parameters: [{ Name: 'Threshold', Type: 'Float', DefaultValue: 0.5 }],
  Steps: [
    { Name: 'Notify', Type: 'Lambda', FunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:notify', Arguments: {}, OutputParameters: [] },
    {
      Name: 'Check',
      Type: 'Condition',
      DependsOn: ['Notify'],
      Arguments: { Conditions: [{ Type: 'GreaterThanOrEqualTo', LeftValue: 1, RightValue: { Get: 'Parameters.Threshold' } }], IfSteps: [], ElseSteps: [] },
    },
  ],
});

/** The Lambda step, then a Callback step that waits for an answer that never comes: it runs until stopped. */
export const WAITING_DEFINITION = JSON.stringify({
  Version: '2020-12-01',
  Parameters: [],
  Steps: [
    { Name: 'Notify', Type: 'Lambda', FunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:notify', Arguments: {}, OutputParameters: [] },
    { Name: 'Approve', Type: 'Callback', DependsOn: ['Notify'], SqsQueueUrl: 'https://sqs.us-east-1.amazonaws.com/111122223333/approvals', Arguments: {}, OutputParameters: [] },
  ],
});

/** The Lambda step, then a Fail step: the execution fails with the Fail step's message. */
export const FAILING_DEFINITION = JSON.stringify({
  Version: '2020-12-01',
  Parameters: [],
  Steps: [
    { Name: 'Notify', Type: 'Lambda', FunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:notify', Arguments: {}, OutputParameters: [] },
    { Name: 'Stop', Type: 'Fail', DependsOn: ['Notify'], Arguments: { ErrorMessage: 'the contract says stop' } },
  ],
});

/** Names for the cases below (what an implementation's `gaps` refers to). */
export type ContractCase =
  | 'pipeline ARN is lowercased'
  | 'unknown pipeline is ResourceNotFound'
  | 'unknown execution is ResourceNotFound'
  | 'undeclared parameter is refused'
  | 'lists the steps of an execution'
  | 'a Fail step fails the execution'
  | 'stops a running execution';

export interface ControlSubject {
  readonly control: SageMakerControl;
  readonly region: string;
  /** Waits between two polls of an execution that is still running. */
  readonly pause: () => Promise<void>;
  close(): Promise<void>;
}

export interface ControlImplementation {
  readonly name: string;
  readonly open: () => Promise<ControlSubject>;
  /** Cases this implementation does not meet, with the reason. */
  readonly gaps?: Partial<Record<ContractCase, string>>;
}

const TERMINAL = new Set(['Succeeded', 'Failed', 'Stopped']);
const STATUSES = new Set(['Executing', 'Stopping', 'Stopped', 'Failed', 'Succeeded']);
/** Polls allowed before a running execution counts as stuck: a bound on a broken emulator only. */
const MAX_POLLS = 600;

/** The AWS error code (the SDK's exception name) and message of a rejected call. */
async function rejection(call: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await call;
  } catch (error) {
    return { name: (error as Error).name, message: (error as Error).message };
  }
  throw new Error('the call succeeded');
}

export function describeSageMakerControlContract(implementation: ControlImplementation): void {
  const gap = (name: ContractCase): boolean => implementation.gaps?.[name] !== undefined;
  const label = (name: ContractCase, text: string): string => (gap(name) ? `${text} (gap: ${implementation.gaps?.[name]})` : text);

  describe(`SageMakerControl contract: ${implementation.name}`, { timeout: 120_000 }, () => {
    let subject: ControlSubject;
    let control: SageMakerControl;
    let counter = 0;
    /** Every case its own pipeline. */
    const fresh = (): string => `contract-${process.pid}-${++counter}`;
    const create = async (definition = QUICK_DEFINITION, name = fresh()): Promise<{ name: string; arn: string }> => {
      const created = await control.createPipeline({ PipelineName: name, PipelineDefinition: definition, RoleArn: CONTRACT_ROLE });
      return { name, arn: created.PipelineArn ?? '' };
    };
    const start = async (name: string, parameters?: { Name: string; Value: string }[]): Promise<string> => {
      const started = await control.startPipelineExecution({ PipelineName: name, ...(parameters ? { PipelineParameters: parameters } : {}) });
      return started.PipelineExecutionArn ?? '';
    };
    const settle = async (arn: string): Promise<DescribePipelineExecutionResponse> => {
      for (let poll = 0; poll < MAX_POLLS; poll++) {
        const described = await control.describePipelineExecution(arn);
        if (TERMINAL.has(described.PipelineExecutionStatus ?? '')) return described;
        await subject.pause();
      }
      throw new Error(`${arn} did not finish`);
    };
    const unknownExecution = (): string => `arn:aws:sagemaker:${subject.region}:111122223333:pipeline/${fresh()}/execution/abcdefabcdef`;

    beforeAll(async () => {
      subject = await implementation.open();
      control = subject.control;
    });
    afterAll(async () => {
      await subject?.close();
    });

    it('CreatePipeline answers the ARN of the new pipeline', async () => {
      const { name, arn } = await create();
      expect(arn).toMatch(new RegExp(`^arn:aws:sagemaker:${subject.region}:\\d{12}:pipeline/${name}$`));
    });

    it.skipIf(gap('pipeline ARN is lowercased'))(label('pipeline ARN is lowercased', 'the pipeline ARN names the pipeline in lower case, as SageMaker does'), async () => {
      const name = `Mixed-${fresh()}`;
      const { arn } = await create(QUICK_DEFINITION, name);
      expect(arn.endsWith(`:pipeline/${name.toLowerCase()}`)).toBe(true);
    });

    it('CreatePipeline of a name that exists is the ValidationException the SDK upsert recognises', async () => {
      const { name } = await create();
      const error = await rejection(create(QUICK_DEFINITION, name));
      expect(error.name).toBe('ValidationException');
      expect(error.message).toContain('Pipeline names must be unique within an AWS account and region');
      expect(error.message).toContain(`Pipeline with name (${name}) already exists`);
    });

    it('UpdatePipeline of a pipeline answers its ARN', async () => {
      const { name, arn } = await create();
      const updated = await control.updatePipeline({ PipelineName: name, PipelineDefinition: QUICK_DEFINITION, RoleArn: CONTRACT_ROLE });
      expect(updated.PipelineArn).toBe(arn);
    });

    it.skipIf(gap('unknown pipeline is ResourceNotFound'))(label('unknown pipeline is ResourceNotFound', 'UpdatePipeline and StartPipelineExecution of an unknown pipeline are ResourceNotFound'), async () => {
      const name = fresh();
      expect((await rejection(control.updatePipeline({ PipelineName: name, PipelineDefinition: QUICK_DEFINITION, RoleArn: CONTRACT_ROLE }))).name).toBe('ResourceNotFound');
      expect((await rejection(start(name))).name).toBe('ResourceNotFound');
    });

    it('StartPipelineExecution answers an execution ARN under the pipeline, with a 12-character id', async () => {
      const { arn } = await create();
      expect(await start(arn.split('/').pop() ?? '')).toMatch(new RegExp(`^${arn}/execution/[a-z0-9]{12}$`));
    });

    it.skipIf(gap('undeclared parameter is refused'))(label('undeclared parameter is refused', 'StartPipelineExecution with a parameter the pipeline does not declare is a ValidationException'), async () => {
      const { name } = await create();
      const error = await rejection(start(name, [{ Name: 'NoSuchParameter', Value: '1' }]));
      expect(error.name).toBe('ValidationException');
      expect(error.message).toContain('NoSuchParameter');
    });

    it('DescribePipelineExecution names the execution and its pipeline; polled, it ends Succeeded', async () => {
      const { name, arn: pipelineArn } = await create();
      const arn = await start(name, [{ Name: 'Threshold', Value: '0.25' }]);
      const first = await control.describePipelineExecution(arn);
      expect(first.PipelineExecutionArn).toBe(arn);
      expect(first.PipelineArn).toBe(pipelineArn);
      expect(STATUSES.has(first.PipelineExecutionStatus ?? '')).toBe(true);
      expect(first.CreationTime).toBeInstanceOf(Date);
      expect((await settle(arn)).PipelineExecutionStatus).toBe('Succeeded');
    });

    it.skipIf(gap('unknown execution is ResourceNotFound'))(label('unknown execution is ResourceNotFound', 'an unknown execution is ResourceNotFound for Describe, ListSteps and Stop'), async () => {
      expect((await rejection(control.describePipelineExecution(unknownExecution()))).name).toBe('ResourceNotFound');
      expect((await rejection(control.listPipelineExecutionSteps(unknownExecution()))).name).toBe('ResourceNotFound');
      expect((await rejection(control.stopPipelineExecution(unknownExecution()))).name).toBe('ResourceNotFound');
    });

    it.skipIf(gap('lists the steps of an execution'))(label('lists the steps of an execution', 'ListPipelineExecutionSteps lists the steps that ran, each Succeeded, with a start time'), async () => {
      const { name } = await create();
      const arn = await start(name);
      await settle(arn);
      const page = await control.listPipelineExecutionSteps(arn);
      const steps = page.PipelineExecutionSteps ?? [];
      expect(steps.map((step) => step.StepName).sort()).toEqual(['Check', 'Notify']);
      for (const step of steps) {
        expect(step.StepStatus).toBe('Succeeded');
        expect(step.StartTime).toBeInstanceOf(Date);
      }
      expect(page.NextToken).toBeUndefined();
    });

    it.skipIf(gap('a Fail step fails the execution'))(label('a Fail step fails the execution', "an execution whose Fail step runs ends Failed; the step's FailureReason holds its ErrorMessage"), async () => {
      const { name } = await create(FAILING_DEFINITION);
      const arn = await start(name);
      const ended = await settle(arn);
      expect(ended.PipelineExecutionStatus).toBe('Failed');
      expect(ended.FailureReason).toBe('Step failure: One or multiple steps failed.');
      const steps = (await control.listPipelineExecutionSteps(arn)).PipelineExecutionSteps ?? [];
      expect(steps.map((step) => [step.StepName, step.StepStatus])).toEqual([
        ['Notify', 'Succeeded'],
        ['Stop', 'Failed'],
      ]);
      expect(steps[1]?.FailureReason).toContain('the contract says stop');
    });

    it.skipIf(gap('stops a running execution'))(label('stops a running execution', 'StopPipelineExecution of a running execution: it ends Stopped, its waiting step Stopped'), async () => {
      const { name } = await create(WAITING_DEFINITION);
      const arn = await start(name);
      // Stopping an execution whose step has not started yet is also a stop; wait for the step so
      // that the case says what happens to a running one.
      const waiting = async (): Promise<boolean> => ((await control.listPipelineExecutionSteps(arn)).PipelineExecutionSteps ?? []).some((step) => step.StepName === 'Approve');
      for (let poll = 0; !(await waiting()); poll++) {
        if (poll > MAX_POLLS) throw new Error(`${arn}: its step never started`);
        await subject.pause();
      }
      expect((await control.describePipelineExecution(arn)).PipelineExecutionStatus).toBe('Executing');
      await control.stopPipelineExecution(arn);
      expect(['Stopping', 'Stopped']).toContain((await control.describePipelineExecution(arn)).PipelineExecutionStatus);
      expect((await settle(arn)).PipelineExecutionStatus).toBe('Stopped');
      const steps = (await control.listPipelineExecutionSteps(arn)).PipelineExecutionSteps ?? [];
      expect(steps.map((step) => [step.StepName, step.StepStatus])).toEqual([
        ['Notify', 'Succeeded'],
        ['Approve', 'Stopped'],
      ]);
    });
  });
}
