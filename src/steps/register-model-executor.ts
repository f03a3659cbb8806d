// RegisterModel steps (CreateModelPackage): a new version in the local model registry, its group
// created on first use. Properties are DescribeModelPackage of the new version.
import type { JsonObject } from '../engine/json.js';
import { StepFailure, isSagesimError } from '../errors.js';
import type { ModelRegistry } from '../mock-aws/model-registry.js';
import type { StepContext, StepExecutor, StepResult } from './executor.js';

export class RegisterModelExecutor implements StepExecutor {
  readonly stepType = 'RegisterModel' as const;

  constructor(private readonly registry: ModelRegistry) {}

  async execute(context: StepContext): Promise<StepResult> {
    try {
      // The package's ARN is in the pipeline's account (its role's), like the execution's.
      const registered = await this.registry.createModelPackage(context.arguments, { accountId: context.execution.accountId });
      context.log(`registered ${registered.ModelPackageArn} (${registered.ModelApprovalStatus})`);
      return { properties: registered as unknown as JsonObject, metadata: { RegisterModel: { Arn: registered.ModelPackageArn } } };
    } catch (error) {
      // Bad arguments fail the step with the registry's message, as CreateModelPackage's
      // ValidationException fails it in the cloud; store I/O errors stay internal.
      if (isSagesimError(error) && error.source === 'user' && !(error instanceof StepFailure)) {
        throw new StepFailure(`step "${context.step.Name}": ${error.message}${error.hint ? ` (${error.hint})` : ''}`, {
          code: error.code,
          source: 'user',
          cause: error,
        });
      }
      throw error;
    }
  }
}
