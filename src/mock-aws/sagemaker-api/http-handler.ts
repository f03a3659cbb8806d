// The awsJson1.1 transport: `POST /` with `X-Amz-Target: SageMaker.<Operation>`, a JSON body in,
// a JSON body out (timestamps as epoch seconds), errors as HTTP 400 with `__type` in the body and
// the `x-amzn-ErrorType` header. Signatures are not checked: any credentials are accepted.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isSagesimError } from '../../errors.js';
import type { SageMakerApiBackend } from './api-backend.js';
import { ApiError } from './api-error.js';
import { dispatch } from './router.js';
import { toWire } from './wire.js';

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
/** The cloud caps CreatePipeline definitions at 1 MB; leave room for the rest of the request. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;
/**
 * A body over the limit is still read (and dropped) up to this much, so the client gets the 413
 * rather than a reset while it is still sending; beyond it the connection is closed.
 */
const MAX_DISCARDED_BYTES = 64 * 1024 * 1024;
/** No SageMaker request nests this deep (a definition travels as a string); deeper is refused before parsing. */
const MAX_JSON_DEPTH = 64;

export interface SageMakerApiHandlerOptions {
  /** Told about every request (operation, status, error code) for the server's log. */
  readonly onRequest?: (event: { readonly operation: string; readonly status: number; readonly errorType?: string; readonly error?: unknown }) => void;
}

/**
 * True for requests meant for the SageMaker API rather than S3: S3 requests never carry
 * `X-Amz-Target` nor the awsJson content type.
 */
export function isSageMakerRequest(req: IncomingMessage): boolean {
  if (req.headers['x-amz-target'] !== undefined) return true;
  const type = req.headers['content-type'];
  return typeof type === 'string' && type.startsWith('application/x-amz-json');
}

export function createSageMakerApiHandler(
  backend: SageMakerApiBackend,
  options: SageMakerApiHandlerOptions = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    void handle(req, res, backend, options);
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, backend: SageMakerApiBackend, options: SageMakerApiHandlerOptions): Promise<void> {
  const requestId = randomUUID();
  const target = String(req.headers['x-amz-target'] ?? '');
  const operation = target.startsWith('SageMaker.') ? target.slice('SageMaker.'.length) : target;
  try {
    if (req.method !== 'POST') throw new ApiError('UnknownOperationException', `SageMaker operations are POST requests to /, not ${req.method ?? '?'}.`);
    if (!target.startsWith('SageMaker.')) {
      throw new ApiError('UnknownOperationException', `X-Amz-Target ${JSON.stringify(target)} names no SageMaker operation (expected SageMaker.<Operation>).`);
    }
    const input = parseBody(await readBody(req));
    const result = await dispatch(operation, input, backend);
    send(res, 200, requestId, JSON.stringify(toWire(result) ?? {}));
    options.onRequest?.({ operation, status: 200 });
  } catch (error) {
    const apiError = toApiError(error);
    res.setHeader('x-amzn-ErrorType', apiError.type);
    // A body left unread would be drained before the connection is reused: close it instead.
    if (!req.complete) res.shouldKeepAlive = false;
    send(res, apiError.status, requestId, JSON.stringify(apiError.toBody()));
    options.onRequest?.({ operation, status: apiError.status, errorType: apiError.type, error });
  }
}

function send(res: ServerResponse, status: number, requestId: string, body: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, {
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': requestId,
  });
  res.end(body);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const tooLarge = (): ApiError => new ApiError('ValidationException', `Request body is larger than ${MAX_BODY_BYTES} bytes.`, { status: 413 });
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      else if (size > MAX_BODY_BYTES + MAX_DISCARDED_BYTES) {
        // Answered now; the handler closes the connection since the body was not read to its end.
        req.removeAllListeners('data');
        req.pause();
        reject(tooLarge());
      }
    });
    req.on('end', () => (size > MAX_BODY_BYTES ? reject(tooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

/**
 * The operation's input: a JSON object. `null` is an empty input, as the service reads it; any
 * other JSON value is not a request. Nesting deeper than any request needs is refused before
 * parsing, so no later walk of the value can exhaust the stack.
 */
function parseBody(text: string): unknown {
  if (text.trim() === '') return {};
  const depth = jsonDepth(text);
  if (depth > MAX_JSON_DEPTH) {
    throw new ApiError('SerializationException', `The request body nests ${depth > 100_000 ? 'over 100000' : depth} levels deep; at most ${MAX_JSON_DEPTH} are accepted.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    throw new ApiError('SerializationException', `The request body is not JSON: ${(error as Error).message}`);
  }
  if (value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ApiError('SerializationException', `The request body must be a JSON object, got ${Array.isArray(value) ? 'a list' : typeof value}.`);
  }
  return value;
}

/** The deepest nesting of `[` and `{` outside strings (JSON.parse reports malformed text later). */
function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c) i++; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x5b || char === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (char === 0x5d || char === 0x7d) depth--;
  }
  return deepest;
}

/** Whatever went wrong becomes an error the client's SDK can raise; nothing escapes to crash the server. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (isSagesimError(error)) {
    return error.source === 'user'
      ? new ApiError('ValidationException', error.hint ? `${error.message} (${error.hint})` : error.message, { cause: error })
      : new ApiError('InternalFailure', `sagesim failed: ${error.message}`, { cause: error });
  }
  return new ApiError('InternalFailure', `sagesim failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}
