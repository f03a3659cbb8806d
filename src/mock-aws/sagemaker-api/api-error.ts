// Errors the SageMaker API emulator answers with, shaped as the cloud's awsJson1.1 errors: HTTP
// 400 (500 for internal failures), a `__type` code the SDKs map to their exception classes, and a
// message a user can act on. Handlers throw these; the HTTP layer serialises them.

/** The error codes the emulator uses: the cloud's own, so clients' `except`/`instanceof` work. */
export type ApiErrorType =
  | 'ValidationException'
  | 'ResourceNotFound'
  | 'ResourceLimitExceeded'
  | 'ResourceInUse'
  | 'ConflictException'
  | 'UnknownOperationException'
  | 'SerializationException'
  | 'InternalFailure';

/** Errors the service model declares with a `Message` member (the SDKs fill their typed field from it). */
const MODELED_WITH_MESSAGE_MEMBER: ReadonlySet<ApiErrorType> = new Set([
  'ResourceNotFound',
  'ResourceLimitExceeded',
  'ResourceInUse',
  'ConflictException',
]);

export class ApiError extends Error {
  readonly type: ApiErrorType;
  readonly status: number;

  constructor(type: ApiErrorType, message: string, options: { readonly status?: number; readonly cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.type = type;
    this.status = options.status ?? (type === 'InternalFailure' ? 500 : 400);
  }

  /** The JSON body the cloud sends: `__type` and `message` (and `Message` for modeled errors). */
  toBody(): Record<string, string> {
    const body: Record<string, string> = { __type: this.type, message: this.message };
    if (MODELED_WITH_MESSAGE_MEMBER.has(this.type)) body['Message'] = this.message;
    return body;
  }
}

export function validationError(message: string): ApiError {
  return new ApiError('ValidationException', message);
}

export function resourceNotFound(message: string): ApiError {
  return new ApiError('ResourceNotFound', message);
}

export function conflict(message: string): ApiError {
  return new ApiError('ConflictException', message);
}
