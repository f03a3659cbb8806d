// Where a JSON text stops being JSON. V8's JSON.parse messages give a position for some errors and
// not for others ("Unexpected token 'o', ..."), so a small validating scanner finds the offset.

/** Line and column (1-based) of the first JSON syntax error in `text`, or undefined if it parses. */
export function jsonErrorPosition(text: string): { line: number; column: number } | undefined {
  const offset = jsonErrorOffset(text);
  if (offset === undefined) return undefined;
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}

/**
 * What follows "… is not JSON" in a message: ` (line L, column C): <V8's reason>`, without V8's
 * quoted excerpt of the text (it may span lines and says less than the position does).
 */
export function notJsonDetail(text: string, error: unknown): string {
  const where = jsonErrorPosition(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  const reason = (error instanceof Error ? error.message : String(error))
    .replace(/,\s*(?:\.\.\.)?".*$/s, '')
    .replace(/ at position \d+.*$/s, '');
  return `${where ? ` (line ${where.line}, column ${where.column})` : ''}: ${reason}`;
}

/** Offset of the first JSON syntax error in `text`, or undefined if it is valid JSON. */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  class Stop {
    constructor(readonly at: number) {}
  }
  const fail = (): never => {
    throw new Stop(i);
  };
  const literal = (word: string): void => {
    // A misspelt literal is reported where the word starts, which is where the reader looks.
    if (text.slice(i, i + word.length) !== word) fail();
    i += word.length;
  };
  const string = (): void => {
    i++; // opening quote
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail();
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === 'u') {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) fail();
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i++;
        } else {
          fail();
        }
      } else {
        i++;
      }
    }
    fail();
  };
  const number = (): void => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i, i + 400));
    if (!match || match[0] === '' || match[0] === '-') fail();
    i += (match as RegExpExecArray)[0].length;
  };
  const key = (): void => {
    ws();
    if (text[i] !== '"') fail();
    string();
    ws();
    if (text[i] !== ':') fail();
    i++;
  };
  // Iterative, with the open lists and objects on a stack of its own: text nested 100,000 deep is
  // scanned without exhausting the call stack.
  const value = (): void => {
    const open: ('{' | '[')[] = [];
    for (;;) {
      // A value starts here.
      ws();
      const c = text[i];
      let scalar = true;
      if (c === '{' || c === '[') {
        i++;
        ws();
        if (text[i] === (c === '{' ? '}' : ']')) {
          i++;
        } else {
          open.push(c);
          if (c === '{') key();
          scalar = false;
        }
      } else if (c === '"') {
        string();
      } else if (c === 't') {
        literal('true');
      } else if (c === 'f') {
        literal('false');
      } else if (c === 'n') {
        literal('null');
      } else {
        number();
      }
      if (!scalar) continue;
      // A value ended: close what it ends, until a comma asks for the next value.
      for (;;) {
        const top = open[open.length - 1];
        if (top === undefined) return;
        ws();
        if (text[i] === ',') {
          i++;
          if (top === '{') key();
          break;
        }
        if (text[i] !== (top === '{' ? '}' : ']')) fail();
        i++;
        open.pop();
      }
    }
  };
  try {
    value();
    ws();
    return i < text.length ? i : undefined;
  } catch (error) {
    if (error instanceof Stop) return error.at;
    throw error;
  }
}
