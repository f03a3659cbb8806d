// SendPipelineExecutionStepSuccess / Failure: the answer a Callback step waits for.
import type {
  SendPipelineExecutionStepFailureRequest,
  SendPipelineExecutionStepFailureResponse,
  SendPipelineExecutionStepSuccessRequest,
  SendPipelineExecutionStepSuccessResponse,
} from '@aws-sdk/client-sagemaker';
import { isSagesimError } from '../../../errors.js';
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
  const failureReason = input.FailureReason ?? 'The callback reported a failure.';
  return deliver(input.CallbackToken as string, { kind: 'failure', failureReason }, input.ClientRequestToken, backend);
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
  try {
    const { executionArn } = await backend.executions.deliverCallback(token, outcome);
    if (tokenKey !== undefined) backend.requestTokens.set(tokenKey, executionArn);
    return { PipelineExecutionArn: executionArn };
  } catch (error) {
    if (isSagesimError(error) && error.code === 'CALLBACK_NOT_FOUND') throw resourceNotFound(`No Callback step is waiting for CallbackToken ${token}.`);
    if (isSagesimError(error) && error.code === 'CALLBACK_ALREADY_DELIVERED') throw conflict(`CallbackToken ${token} was already answered.`);
    throw error;
  }
}
