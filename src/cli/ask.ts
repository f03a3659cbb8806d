// One question on stderr, one line of answer from stdin (`rm` and `run --no-mock`'s Ctrl-C ask
// before they act). No stdin (a pipe closed, a test without one) answers the empty string.
import { createInterface } from 'node:readline/promises';
import type { CliIo } from './cli-io.js';

export async function ask(io: CliIo, question: string): Promise<string> {
  if (!io.stdin) return '';
  io.stderr.write(question);
  const rl = createInterface({ input: io.stdin, terminal: false });
  try {
    return await rl.question('');
  } finally {
    rl.close();
  }
}
