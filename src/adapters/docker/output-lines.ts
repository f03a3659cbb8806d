// A container's attach stream as lines: stdout and stderr demultiplexed, split on `\n`, a trailing
// `\r` dropped, a last line without newline kept.
import type Docker from 'dockerode';
import { PassThrough, type Readable } from 'node:stream';
import { LineBuffer } from '../../util/line-buffer.js';

/** Demultiplexes the attach stream into lines (stdout and stderr split separately). */
export function pipeLines(docker: Docker, stream: Readable, emit: (line: string) => void): Promise<void> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const done = Promise.all([splitLines(stdout, emit), splitLines(stderr, emit)]).then(() => undefined);
  docker.modem.demuxStream(stream, stdout, stderr);
  const end = (): void => {
    stdout.end();
    stderr.end();
  };
  stream.once('end', end);
  stream.once('close', end);
  stream.once('error', end);
  return done;
}

function splitLines(stream: PassThrough, emit: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    const buffer = new LineBuffer();
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => buffer.push(chunk).forEach((line) => emit(line)));
    stream.on('end', () => {
      buffer.end().forEach((line) => emit(line));
      resolve();
    });
  });
}
