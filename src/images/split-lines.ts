// A child process's output stream as lines (trailing whitespace dropped, empty lines skipped).
import { LineBuffer } from '../util/line-buffer.js';

export function splitLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  const buffer = new LineBuffer();
  const emit = (lines: readonly string[]): void => {
    for (const line of lines) if (line.trimEnd() !== '') onLine(line.trimEnd());
  };
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => emit(buffer.push(chunk)));
  stream.on('end', () => emit(buffer.end()));
}
