// What every synthetic data set takes, and the CSV framing they share.

export interface DatasetOptions {
  /** Number of data rows (the header is not counted). @default the data set's own default */
  readonly rows?: number;
  /** Seed of the random source: the same seed gives the same rows. @default 42 */
  readonly seed?: number;
}

/** Header line, then one line per row. */
export function* csvLines<Row>(
  columns: readonly string[],
  rows: Iterable<Row>,
  format: (row: Row) => string,
): Generator<string> {
  yield columns.join(',');
  for (const row of rows) yield format(row);
}
