// Small helpers the operation groups share.

export function optionalDate(iso: string | undefined): Date | undefined {
  return iso === undefined ? undefined : new Date(iso);
}

/** A comparator on one key, ascending or descending, for the List* operations' SortOrder. */
export function compareBy<T>(key: (item: T) => string | number, order: string): (a: T, b: T) => number {
  const sign = order === 'Ascending' ? 1 : -1;
  return (a, b) => {
    const x = key(a);
    const y = key(b);
    return (x < y ? -1 : x > y ? 1 : 0) * sign;
  };
}
