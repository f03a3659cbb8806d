// JSON paths in problems and messages: `$.Steps[0].Arguments['Std:Join']`.

/** Appends an object key to a JSON path: `.Key` when it is a plain identifier, `['k-y']` otherwise. */
export function appendKey(path: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${path}.${key}` : `${path}['${key.replace(/'/g, "\\'")}']`;
}
