// Callback steps: the step gets a token, tells the user how to answer it, and waits until a result
// arrives in the callback mailbox (from `sagesim callback succeed|fail` or the API emulator's
// SendPipelineExecutionStepSuccess/Failure), or until the execution is stopped.
import type { CallbackStep } from '../engine/definition-types.js';
import { type Clock, systemClock } from '../engine/clock.js';
import type { JsonValue } from '../engine/json.js';
import { StepFailure, StoppedError, assertNever } from '../errors.js';
import {
  type CallbackResult,
  newCallbackToken,
  readCallbackResult,
  registerCallback,
  removeCallback,
} from '../mock-aws/callback-mailbox.js';
import { metadataOutputs } from './default-properties.js';
import type { StepContext, StepExecutor, StepResult } from './executor.js';
import { checkOutputParameters } from './output-parameters.js';

export interface CallbackExecutorOptions {
  /** The sagesim home folder: the mailbox is `<home>/callbacks`. */
  readonly home: string;
  /** @default systemClock */
  readonly clock?: Clock;
  /** How often the mailbox is read. @default 500 */
  readonly pollIntervalMs?: number;
  /** @default newCallbackToken */
  readonly newToken?: () => string;
  /** The process id recorded with the registration. @default process.pid */
  readonly pid?: number;
}

export class CallbackExecutor implements StepExecutor {
  readonly stepType = 'Callback' as const;
  private readonly clock: Clock;

  constructor(private readonly options: CallbackExecutorOptions) {
    this.clock = options.clock ?? systemClock;
  }

  async execute(context: StepContext): Promise<StepResult> {
    const step = context.step as CallbackStep;
    const token = (this.options.newToken ?? newCallbackToken)();
    const { home } = this.options;
    await registerCallback(home, {
      token,
      executionArn: context.execution.executionArn,
      pipelineName: context.execution.pipelineName,
      stepName: step.Name,
      arguments: context.arguments,
      createdAt: this.clock.now().toISOString(),
      pid: this.options.pid ?? process.pid,
    });
    try {
      // The message the cloud would put on the step's SQS queue.
      context.log(
        JSON.stringify({ token, pipelineExecutionArn: context.execution.executionArn, arguments: context.arguments, status: 'Executing' }),
      );
      const outputs = (step.OutputParameters ?? []).map((o) => ` --output ${o.OutputName}=<${o.OutputType ?? 'String'}>`).join('');
      context.warn({
        code: 'CALLBACK_WAITING',
        message:
          `Callback step "${step.Name}" waits for token ${token} with arguments ${JSON.stringify(context.arguments)}. ` +
            `Answer it with \`sagesim callback succeed ${token}${outputs}\` or \`sagesim callback fail ${token} --reason "<text>"\` ` +
            '(or SendPipelineExecutionStepSuccess/Failure through `sagesim serve`).',
      });
      const result = await this.waitFor(token, context.signal);
      const metadataBase = { CallbackToken: token };
      switch (result.status) {
        case 'Success': {
          let values: Record<string, JsonValue>;
          try {
            values = checkOutputParameters(step.OutputParameters, result.outputParameters, {
              producer: `the callback for token ${token}`,
              stepName: step.Name,
              fromStrings: true,
            });
          } catch (error) {
            if (error instanceof StepFailure) {
              throw new StepFailure(error.message, { code: error.code, source: 'user', metadata: { Callback: metadataBase } });
            }
            throw error;
          }
          return {
            properties: {},
            outputParameters: values,
            metadata: { Callback: { ...metadataBase, OutputParameters: metadataOutputs(values) } },
          };
        }
        case 'Failure':
          throw new StepFailure(result.failureReason || `the callback for token ${token} reported a failure`, {
            code: 'CALLBACK_FAILED',
            source: 'user',
            metadata: { Callback: metadataBase },
          });
        default:
          return assertNever(result, 'callback result');
      }
    } finally {
      await removeCallback(home, token);
    }
  }

  private async waitFor(token: string, signal: AbortSignal): Promise<CallbackResult> {
    const interval = this.options.pollIntervalMs ?? 500;
    for (;;) {
      if (signal.aborted) throw new StoppedError(`stopped while waiting for callback token ${token}`);
      const result = await readCallbackResult(this.options.home, token);
      if (result) return result;
      await this.clock.sleep(interval, signal);
    }
  }
}
