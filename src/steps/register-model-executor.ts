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
      const registered = await this.registry.createModelPackage(markStubbed(context.arguments, context.stubbedSteps ?? []), { accountId: context.execution.accountId });
      context.log(`registered ${registered.ModelPackageArn} (${registered.ModelApprovalStatus})${context.stubbedSteps?.length ? `, marked as built on stubbed steps ${context.stubbedSteps.join(', ')}` : ''}`);
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

/** The metadata key that marks a package registered by an execution in which some steps were stubs. */
export const STUBBED_STEPS_PROPERTY = 'sagesim:stubbed-steps';

/**
 * A package registered by an execution with stubbed steps may hold stand-in artifacts and
 * metrics: it says so in its CustomerMetadataProperties, so nobody deploys it for a real model.
 */
function markStubbed(args: JsonObject, stubbed: readonly string[]): JsonObject {
  if (stubbed.length === 0) return args;
  const existing = args['CustomerMetadataProperties'];
  const properties = typeof existing === 'object' && existing !== null && !Array.isArray(existing) ? existing : {};
  // CustomerMetadataProperties values are at most 256 characters.
  return { ...args, CustomerMetadataProperties: { ...properties, [STUBBED_STEPS_PROPERTY]: stubbed.join(',').slice(0, 256) } };
}
