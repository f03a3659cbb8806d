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
  const scanner = new JsonScanner(text);
  try {
    scanner.value();
    scanner.ws();
    return scanner.i < text.length ? scanner.i : undefined;
  } catch (error) {
    if (error instanceof Stop) return error.at;
    throw error;
  }
}

/** Thrown where the text stops being JSON. */
class Stop {
  constructor(readonly at: number) {}
}

/** Reads JSON from the start of a text, only to find where it goes wrong; `i` is where it is. */
class JsonScanner {
  i = 0;

  constructor(private readonly text: string) {}

  ws(): void {
    const { text } = this;
    while (this.i < text.length && (text[this.i] === ' ' || text[this.i] === '\n' || text[this.i] === '\r' || text[this.i] === '\t')) this.i++;
  }

  /**
   * One value. Iterative, with the open lists and objects on a stack of its own: text nested
   * 100,000 deep is scanned without exhausting the call stack.
   */
  value(): void {
    const open: ('{' | '[')[] = [];
    for (;;) {
      // A value starts here: a scalar is read whole, a non-empty list or object is opened.
      if (this.startValue(open)) continue;
      if (this.closeValues(open)) return;
    }
  }

  /** Reads a scalar or an empty list/object (false), or opens a list/object (true). */
  private startValue(open: ('{' | '[')[]): boolean {
    this.ws();
    const c = this.text[this.i];
    if (c === '{' || c === '[') {
      this.i++;
      this.ws();
      if (this.text[this.i] === (c === '{' ? '}' : ']')) {
        this.i++;
        return false;
      }
      open.push(c);
      if (c === '{') this.key();
      return true;
    }
    if (c === '"') this.string();
    else if (c === 't') this.literal('true');
    else if (c === 'f') this.literal('false');
    else if (c === 'n') this.literal('null');
    else this.number();
    return false;
  }

  /**
   * A value ended: closes what it ends, until a comma asks for the next value (false) or nothing
   * is left open (true).
   */
  private closeValues(open: ('{' | '[')[]): boolean {
    for (;;) {
      const top = open[open.length - 1];
      if (top === undefined) return true;
      this.ws();
      if (this.text[this.i] === ',') {
        this.i++;
        if (top === '{') this.key();
        return false;
      }
      if (this.text[this.i] !== (top === '{' ? '}' : ']')) this.fail();
      this.i++;
      open.pop();
    }
  }

  private fail(): never {
    throw new Stop(this.i);
  }

  private literal(word: string): void {
    // A misspelt literal is reported where the word starts, which is where the reader looks.
    if (this.text.slice(this.i, this.i + word.length) !== word) this.fail();
    this.i += word.length;
  }

  private string(): void {
    const { text } = this;
    this.i++; // opening quote
    while (this.i < text.length) {
      const c = text.charCodeAt(this.i);
      if (c === 0x22) {
        this.i++;
        return;
      }
      if (c < 0x20) this.fail();
      if (c === 0x5c) this.escape();
      else this.i++;
    }
    this.fail();
  }

  /** A backslash and what it escapes. */
  private escape(): void {
    const { text } = this;
    this.i++;
    const e = text[this.i];
    if (e === 'u') {
      for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[this.i + k] ?? '')) this.fail();
      this.i += 5;
    } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
      this.i++;
    } else {
      this.fail();
    }
  }

  private number(): void {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/.exec(this.text.slice(this.i, this.i + 400));
    if (!match || match[0] === '' || match[0] === '-') this.fail();
    this.i += match[0].length;
  }

  private key(): void {
    this.ws();
    if (this.text[this.i] !== '"') this.fail();
    this.string();
    this.ws();
    if (this.text[this.i] !== ':') this.fail();
    this.i++;
  }
}
