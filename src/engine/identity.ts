// Execution identities and job names shaped exactly like the cloud's, so that code and tests that
// parse ARNs or job names behave the same locally.
import type { PipelineDefinition } from './definition-types.js';
import { flattenSteps } from './flatten-steps.js';
import type { ExecutionIdentity } from './resolve-context.js';

export interface NewExecutionIdentityOptions {
  readonly pipelineName: string;
  readonly region: string;
  readonly accountId: string;
  readonly now: Date;
  /** Source of randomness in [0, 1); injected so tests get stable ids. @default Math.random */
  readonly random?: () => number;
}

const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const MIXED_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** SageMaker's job names: `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}`, so at most 63 characters. */
export const MAX_JOB_NAME_LENGTH = 63;
const JOB_SUFFIX_LENGTH = 10;

/** `arn:aws:sagemaker:<region>:<account>:<resource>/<name>`, the name lowercased as SageMaker does for its resources. */
export function sagemakerArn(where: { readonly region: string; readonly accountId: string }, resource: string, name: string): string {
  return `arn:aws:sagemaker:${where.region}:${where.accountId}:${resource}/${name.toLowerCase()}`;
}

/** The 12-digit account of an ARN (`arn:<partition>:<service>:<region>:<account>:...`), if it names one. */
export function accountOfArn(arn: string | undefined): string | undefined {
  const account = arn?.startsWith('arn:') ? arn.split(':')[4] : undefined;
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}

/**
 * The account in a pipeline's ARNs (pipeline, executions, jobs): its role's, as in the cloud. A
 * run without a pipeline role (`sagesim run`) takes the account its job steps' RoleArn name, when
 * they all name the same one; otherwise the configured account.
 */
export function pipelineAccountId(options: { readonly roleArn?: string | undefined; readonly definition?: PipelineDefinition; readonly configured: string }): string {
  const fromRole = accountOfArn(options.roleArn);
  if (fromRole !== undefined) return fromRole;
  const accounts = new Set<string>();
  for (const step of flattenSteps(options.definition?.Steps ?? [])) {
    const args = 'Arguments' in step ? (step.Arguments as unknown) : undefined;
    const role = typeof args === 'object' && args !== null ? (args as Record<string, unknown>)['RoleArn'] : undefined;
    const account = typeof role === 'string' ? accountOfArn(role) : undefined;
    if (account !== undefined) accounts.add(account);
  }
  const [only] = accounts;
  return accounts.size === 1 && only !== undefined ? only : options.configured;
}

/** The ARN of a pipeline: the name is lowercased, as the service does. */
export function pipelineArn(region: string, accountId: string, pipelineName: string): string {
  return sagemakerArn({ region, accountId }, 'pipeline', pipelineName);
}

export function executionArn(region: string, accountId: string, pipelineName: string, executionId: string): string {
  return `${pipelineArn(region, accountId, pipelineName)}/execution/${executionId}`;
}

/** A new execution: a 12-character lowercase alphanumeric id and the ARNs built from it. */
export function newExecutionIdentity(opts: NewExecutionIdentityOptions): ExecutionIdentity {
  const random = opts.random ?? Math.random;
  const executionId = randomString(LOWER_ALNUM, 12, random);
  return {
    executionId,
    executionArn: executionArn(opts.region, opts.accountId, opts.pipelineName, executionId),
    pipelineName: opts.pipelineName,
    pipelineArn: pipelineArn(opts.region, opts.accountId, opts.pipelineName),
    startTime: opts.now,
    region: opts.region,
    accountId: opts.accountId,
  };
}

/**
 * The name of the job a step starts, like the cloud's `pipelines-<executionId>-<StepName>-<random>`.
 * Each attempt gets a fresh suffix, as retries start new jobs. Characters a job name cannot hold
 * become `-`, and the step part is shortened so the whole stays within 63 characters.
 */
export function jobNameFor(
  identity: ExecutionIdentity,
  stepName: string,
  // The cloud does not put the attempt in the name: a retry differs only by its random suffix.
  _attempt: number,
  random: () => number = Math.random,
): string {
  const prefix = `pipelines-${identity.executionId}-`;
  const suffix = `-${randomString(MIXED_ALNUM, JOB_SUFFIX_LENGTH, random)}`;
  const room = MAX_JOB_NAME_LENGTH - prefix.length - suffix.length;
  let step = stepName.replace(/[^A-Za-z0-9-]/g, '-').slice(0, Math.max(room, 0));
  step = step.replace(/^-+|-+$/g, '');
  return step ? `${prefix}${step}${suffix}` : `${prefix.slice(0, -1)}${suffix}`;
}

function randomString(alphabet: string, length: number, random: () => number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    const index = Math.min(alphabet.length - 1, Math.floor(random() * alphabet.length));
    out += alphabet[index];
  }
  return out;
}
