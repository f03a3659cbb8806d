// A child process's output stream as lines (trailing whitespace dropped, empty lines skipped).

export function splitLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline).trimEnd();
      buffered = buffered.slice(newline + 1);
      if (line) onLine(line);
      newline = buffered.indexOf('\n');
    }
  });
  stream.on('end', () => {
    if (buffered.trim()) onLine(buffered.trimEnd());
  });
}
