// SendPipelineExecutionStepSuccess / Failure: the answer a Callback step waits for.
import type {
  SendPipelineExecutionStepFailureRequest,
  SendPipelineExecutionStepFailureResponse,
  SendPipelineExecutionStepSuccessRequest,
  SendPipelineExecutionStepSuccessResponse,
} from '@aws-sdk/client-sagemaker';
import type { ExecutionRecord, StepRecord } from '../../../engine/execution-record.js';
import { conflict, resourceNotFound } from '../api-error.js';
import type { CallbackOutcome, SageMakerApiBackend } from '../api-backend.js';

export async function sendPipelineExecutionStepSuccess(
  input: SendPipelineExecutionStepSuccessRequest,
  backend: SageMakerApiBackend,
): Promise<SendPipelineExecutionStepSuccessResponse> {
  const outputParameters: Record<string, string> = {};
  for (const { Name, Value } of input.OutputParameters ?? []) outputParameters[Name ?? ''] = Value ?? '';
  return deliver(input.CallbackToken as string, { kind: 'success', outputParameters }, input.ClientRequestToken, backend);
}

export async function sendPipelineExecutionStepFailure(
  input: SendPipelineExecutionStepFailureRequest,
  backend: SageMakerApiBackend,
): Promise<SendPipelineExecutionStepFailureResponse> {
  return deliver(input.CallbackToken as string, { kind: 'failure', failureReason: input.FailureReason ?? 'Callback step failed' }, input.ClientRequestToken, backend);
}

async function deliver(
  token: string,
  outcome: CallbackOutcome,
  requestToken: string | undefined,
  backend: SageMakerApiBackend,
): Promise<{ PipelineExecutionArn: string }> {
  const tokenKey = requestToken === undefined ? undefined : `Callback:${requestToken}`;
  const earlier = tokenKey === undefined ? undefined : backend.requestTokens.get(tokenKey);
  if (earlier !== undefined) return { PipelineExecutionArn: earlier };
  const found = await findCallbackStep(token, backend);
  if (!found) throw resourceNotFound(`No Callback step is waiting for CallbackToken ${token}.`);
  if (found.step.status !== 'Executing' && found.step.status !== 'Starting') {
    throw conflict(`The Callback step ${found.step.stepName} of ${found.record.executionArn} is ${found.step.status}; it no longer waits for CallbackToken ${token}.`);
  }
  await backend.executions.deliverCallback(token, outcome);
  if (tokenKey !== undefined) backend.requestTokens.set(tokenKey, found.record.executionArn);
  return { PipelineExecutionArn: found.record.executionArn };
}

async function findCallbackStep(token: string, backend: SageMakerApiBackend): Promise<{ record: ExecutionRecord; step: StepRecord } | undefined> {
  for (const record of await backend.executions.list()) {
    for (const step of record.steps) {
      if (step.stepType === 'Callback' && step.metadata.Callback?.CallbackToken === token) return { record, step };
    }
  }
  return undefined;
}
