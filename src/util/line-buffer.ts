// Text that arrives in chunks (a process's or a container's output, an engine's progress stream),
// given back as whole lines: split on `\n`, a trailing `\r` dropped. What follows the last newline
// waits for the next chunk, or for `end()`.

export class LineBuffer {
  private partial = '';

  /** The lines `chunk` completes, in order (empty lines included). */
  push(chunk: string): string[] {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    return lines.map(withoutCarriageReturn);
  }

  /** The last line, when the text did not end with a newline; then the buffer is empty again. */
  end(): string[] {
    const rest = this.partial;
    this.partial = '';
    return rest === '' ? [] : [withoutCarriageReturn(rest)];
  }
}

function withoutCarriageReturn(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
