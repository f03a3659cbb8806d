// NextToken / MaxResults for the List* operations. Tokens are opaque to clients (base64 of the
// offset and of what the listing was for), and a token from another listing, or garbage, is a
// ValidationException as in the cloud.
import { validationError } from './api-error.js';

/** Results per page when the request gives no MaxResults. */
export const DEFAULT_PAGE_SIZE = 100;

export interface PageRequest {
  readonly NextToken?: string;
  readonly MaxResults?: number;
}

export interface Page<T> {
  readonly items: T[];
  readonly nextToken?: string;
}

/**
 * One page of `items` (already filtered and sorted). `scope` names the listing (operation plus
 * the filters that shaped it), so a token is only honoured by the listing that issued it.
 */
export function paginate<T>(items: readonly T[], request: PageRequest, scope: string): Page<T> {
  const size = request.MaxResults ?? DEFAULT_PAGE_SIZE;
  const offset = request.NextToken ? decodeToken(request.NextToken, scope) : 0;
  const slice = items.slice(offset, offset + size);
  const next = offset + size;
  return next < items.length ? { items: slice, nextToken: encodeToken(next, scope) } : { items: slice };
}

function encodeToken(offset: number, scope: string): string {
  return Buffer.from(JSON.stringify({ o: offset, s: scope }), 'utf8').toString('base64url');
}

function decodeToken(token: string, scope: string): number {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown; s?: unknown };
    if (typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0 && parsed.s === scope) return parsed.o;
  } catch {
    // Falls through to the error below.
  }
  throw validationError(`Invalid pagination token: the NextToken was not issued for this request (pass back the NextToken of the previous response, with the same filters)`);
}
