// AWS failures of `run --no-mock` as one clear message and a hint: which call failed against
// what, what the service said, and what to do next (refresh credentials, pass --role, start
// `sagesim serve`...). Every error comes out as a SagesimError with source 'aws'.
import { type ErrorCode, SagesimError } from '../errors.js';
import { DEFAULT_SERVE_PORT } from '../mock-aws/serve-port.js';

export interface AwsCallContext {
  /** What was being done, e.g. `CreatePipeline abalone`. */
  readonly action: string;
  /** Where: `SageMaker in us-east-1`, `the SageMaker endpoint http://127.0.0.1:8577`. */
  readonly target: string;
  /** The --endpoint-url, when one was given. */
  readonly endpoint?: string;
  readonly role?: string;
}

/** What the SDKs put on their errors. */
interface SdkErrorShape {
  readonly name?: string;
  readonly code?: string;
  readonly Code?: string;
  readonly message?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly cause?: unknown;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Maps anything an AWS call threw to a SagesimError (source 'aws'); SagesimErrors pass through. */
export function toAwsError(error: unknown, context: AwsCallContext): SagesimError {
  if (error instanceof SagesimError) return error;
  const shape = (error ?? {}) as SdkErrorShape;
  const code = shape.name && shape.name !== 'Error' ? shape.name : (shape.Code ?? shape.code ?? 'Error');
  const message = (shape.message ?? String(error)).trim();
  const networkCode = networkErrorCode(error);
  const fail = (sagesimCode: ErrorCode, text: string, hint: string): SagesimError =>
    new SagesimError(sagesimCode, `${context.action} failed against ${context.target}: ${text}`, { source: 'aws', hint, cause: error });

  if (networkCode !== undefined || code === 'TimeoutError') {
    return fail(
      'AWS_UNREACHABLE',
      `cannot reach the endpoint (${networkCode ?? code})`,
      context.endpoint
        ? `is \`sagesim serve\` (or the service) running at ${context.endpoint}? start it with \`sagesim serve --port ${portOf(context.endpoint)}\``
        : 'check the network, the region (--region) and any proxy settings (HTTPS_PROXY)',
    );
  }
  if (context.endpoint !== undefined && unimplemented(code, message, shape.$metadata?.httpStatusCode)) {
    const operation = context.action.split(' ')[0] ?? context.action;
    return fail(
      'AWS_UNSUPPORTED_OPERATION',
      `the endpoint does not implement ${operation} (it answered ${shape.$metadata?.httpStatusCode ?? 'something'} that is not a SageMaker response)`,
      `emulators such as moto store pipelines and executions but do not run them nor list their steps: pass --no-wait to create and start the execution only, or use \`sagesim serve\` as the endpoint`,
    );
  }
  if (code === 'CredentialsProviderError' || /could not (load|resolve) credentials/i.test(message)) {
    return fail(
      'AWS_NO_CREDENTIALS',
      'no AWS credentials found',
      'configure credentials (aws configure, AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY); for a local endpoint any values do, e.g. AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x',
    );
  }
  if (/^(ExpiredToken|ExpiredTokenException|RequestExpired|TokenRefreshRequired)$/.test(code) || /expired/i.test(message)) {
    return fail('AWS_EXPIRED_CREDENTIALS', `the credentials have expired (${code}: ${message})`, 'refresh them (aws sso login, or new temporary credentials) and run again');
  }
  if (/^(UnrecognizedClientException|InvalidClientTokenId|InvalidSignatureException|SignatureDoesNotMatch|IncompleteSignature)$/.test(code)) {
    return fail('AWS_BAD_CREDENTIALS', `the credentials were rejected (${code}: ${message})`, 'check AWS_PROFILE / AWS_ACCESS_KEY_ID: they belong to no valid identity, or the secret key is wrong');
  }
  if (/^(AccessDenied|AccessDeniedException|NotAuthorized)$/.test(code) || shape.$metadata?.httpStatusCode === 403) {
    return fail(
      'AWS_ACCESS_DENIED',
      `access denied (${message})`,
      `the identity you run as needs sagemaker:CreatePipeline, UpdatePipeline, StartPipelineExecution, DescribePipelineExecution, ListPipelineExecutionSteps, StopPipelineExecution, iam:PassRole on the pipeline role${context.role ? ` (${context.role})` : ''}, and s3:PutObject on the bucket`,
    );
  }
  if (code === 'ValidationException' && /role/i.test(message)) {
    return fail(
      'AWS_ROLE_INVALID',
      message,
      'pass --role with the ARN of an IAM role SageMaker can assume (trust policy for sagemaker.amazonaws.com), e.g. --role arn:aws:iam::123456789012:role/SageMakerExecutionRole',
    );
  }
  if (code === 'ValidationException') {
    return fail('AWS_VALIDATION', message, 'the service rejected the request; `sagesim validate <file>` checks the definition locally');
  }
  if (code === 'ResourceNotFound' || code === 'ResourceNotFoundException') {
    return fail('AWS_NOT_FOUND', message, 'check the pipeline name and region (--pipeline-name, --region)');
  }
  if (/^(ThrottlingException|Throttling|TooManyRequestsException)$/.test(code)) {
    return fail('AWS_THROTTLED', `the service throttled the request (${message})`, 'wait a moment and run again');
  }
  if (code === 'ResourceLimitExceeded') {
    return fail('AWS_LIMIT_EXCEEDED', message, 'an account quota is reached: stop running executions or ask for a higher quota');
  }
  return fail('AWS_ERROR', `${code}: ${message}`, 'run again with --debug for the full error');
}

/** An emulator's answer to an operation it lacks: an HTML or empty 404/501, or an "unknown operation" error. */
function unimplemented(code: string, message: string, status: number | undefined): boolean {
  if (/^(UnknownOperationException|NotImplemented|NotImplementedError|InvalidAction)$/.test(code)) return true;
  if (status === 501) return true;
  return /Deserialization error|is not valid JSON|Unexpected token '<'/.test(message);
}

function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors)) {
      for (const inner of errors) {
        const innerCode = (inner as { code?: unknown } | undefined)?.code;
        if (typeof innerCode === 'string' && NETWORK_CODES.has(innerCode)) return innerCode;
      }
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function portOf(endpoint: string): string {
  try {
    return new URL(endpoint).port || String(DEFAULT_SERVE_PORT);
  } catch {
    return String(DEFAULT_SERVE_PORT);
  }
}

/** Runs one AWS call and maps its failure. */
export async function awsCall<T>(context: AwsCallContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toAwsError(error, context);
  }
}
