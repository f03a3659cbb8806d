// How a batch transform cuts an input object into records (TransformInput.SplitType): the whole
// object as one record (None), or one record per line (Line). RecordIO and TFRecord framing are
// refused with a clear message rather than sent whole.
import { SagesimError } from '../errors.js';

export type SplitType = 'None' | 'Line';

/** SplitType as written in a definition; RecordIO/TFRecord get TRANSFORM_UNSUPPORTED. @default 'None' */
export function parseSplitType(raw: string | undefined): SplitType {
  switch (raw) {
    case undefined:
    case 'None':
      return 'None';
    case 'Line':
      return 'Line';
    case 'RecordIO':
    case 'TFRecord':
      throw new SagesimError('TRANSFORM_UNSUPPORTED', `SplitType ${raw} does not run locally`, {
        source: 'user',
        hint: 'use SplitType Line (one record per line) or None (each object one request), or stub the step with --stub <step>',
      });
    default:
      throw new SagesimError('INVALID_STEP_ARGUMENTS', `SplitType must be None, Line, RecordIO or TFRecord, got ${JSON.stringify(raw)}`, {
        source: 'user',
      });
  }
}

/**
 * Cuts a byte stream into lines as chunks arrive. A line ends at `\n` (a `\r` before it is
 * dropped); blank lines are not records, so a trailing newline does not make an empty request.
 */
export class LineSplitter {
  private pending: Buffer[] = [];

  /** The complete lines the chunk finishes. */
  push(chunk: Buffer): Buffer[] {
    const lines: Buffer[] = [];
    let start = 0;
    for (let at = chunk.indexOf(0x0a); at >= 0; at = chunk.indexOf(0x0a, start)) {
      this.pending.push(chunk.subarray(start, at));
      addLine(lines, Buffer.concat(this.pending));
      this.pending = [];
      start = at + 1;
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start));
    return lines;
  }

  /** The last line, when the stream does not end with a newline. */
  end(): Buffer[] {
    const lines: Buffer[] = [];
    if (this.pending.length > 0) addLine(lines, Buffer.concat(this.pending));
    this.pending = [];
    return lines;
  }
}

function addLine(lines: Buffer[], line: Buffer): void {
  const trimmed = line.length > 0 && line[line.length - 1] === 0x0d ? line.subarray(0, line.length - 1) : line;
  if (trimmed.toString('utf8').trim() !== '') lines.push(trimmed);
}

/** The records of one input object, in order. */
export async function* splitRecords(chunks: AsyncIterable<Buffer | Uint8Array | string>, splitType: SplitType): AsyncGenerator<Buffer> {
  if (splitType === 'None') {
    const all: Buffer[] = [];
    for await (const chunk of chunks) all.push(toBuffer(chunk));
    yield Buffer.concat(all);
    return;
  }
  const splitter = new LineSplitter();
  for await (const chunk of chunks) yield* splitter.push(toBuffer(chunk));
  yield* splitter.end();
}

function toBuffer(chunk: Buffer | Uint8Array | string): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
}
