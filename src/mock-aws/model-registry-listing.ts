// How the model registry's List* calls filter, order and page their results: a name filter, a
// creation-time window, SortBy/SortOrder, and MaxResults with the registry's own NextToken.
import { SagesimError } from '../errors.js';

export type SortOrder = 'Ascending' | 'Descending';

/** What the List* operations of the registry share: a name filter, a time window, order and paging. */
export interface ListOptions {
  readonly nameContains?: string;
  readonly creationTimeAfter?: Date;
  readonly creationTimeBefore?: Date;
  /** @default 'CreationTime' */
  readonly sortBy?: 'Name' | 'CreationTime';
  /** @default 'Ascending' */
  readonly sortOrder?: SortOrder;
  /** 1..100. @default 100 */
  readonly maxResults?: number;
  readonly nextToken?: string;
}

/** Whether an ISO time lies strictly inside the (open) window. */
export function inTimeRange(iso: string, after: Date | undefined, before: Date | undefined): boolean {
  const t = Date.parse(iso);
  return (after === undefined || t > after.getTime()) && (before === undefined || t < before.getTime());
}

/** Sorts in place by a string key; ties keep their order. */
export function sortBy<T>(items: T[], key: (item: T) => string, order: SortOrder | undefined): void {
  const sign = order === 'Descending' ? -1 : 1;
  items.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -sign : ka > kb ? sign : 0;
  });
}

/** One page (1..100 items) and the token of the next; a bad MaxResults or NextToken is a user error. */
export function paginate<T>(items: readonly T[], maxResults = 100, nextToken?: string): { page: T[]; nextToken?: string } {
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 100) {
    throw new SagesimError('INVALID_MAX_RESULTS', `MaxResults must be between 1 and 100, got ${maxResults}`, { source: 'user' });
  }
  let start = 0;
  if (nextToken !== undefined) {
    const decoded = Number(Buffer.from(nextToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(decoded) || decoded < 0) {
      throw new SagesimError('INVALID_NEXT_TOKEN', 'invalid NextToken', { source: 'user', hint: 'pass the NextToken of the previous page as is' });
    }
    start = decoded;
  }
  const end = start + maxResults;
  return end < items.length
    ? { page: items.slice(start, end), nextToken: Buffer.from(String(end)).toString('base64url') }
    : { page: items.slice(start) };
}
