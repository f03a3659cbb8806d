// What the contract suite's image does inside the fake engine: the few `sh -c` scripts the suite
// runs (echo, cat, sleep, exit), read and written through the fake container's mounts. The real
// engine runs the same scripts with the image's /bin/sh; this stands in for that image, not for
// the engine.
import { readFile, writeFile } from 'node:fs/promises';
import type { FakeContainer, FakeOutcome } from '../../src/ports/fake-container-engine.js';

/** Runs `sh -c <script>`; each line it prints goes to `print`. */
async function interpret(container: FakeContainer, command: readonly string[], print: (line: string) => void): Promise<number> {
  const [shell, flag, script, ...rest] = command;
  if ((shell !== 'sh' && shell !== '/bin/sh') || flag !== '-c' || script === undefined || rest.length > 0) throw new Error(`the fake shell runs only sh -c <script>, got ${JSON.stringify(command)}`);
  for (const statement of script.split(';').map((s) => s.trim()).filter(Boolean)) {
    const [verb = '', ...words] = statement.split(/\s+/);
    if (verb === 'exit') return Number(words[0] ?? 0);
    if (verb === 'echo') await echo(container, words, print);
    else if (verb === 'cat') for (const line of (await readFile(container.hostPath(words[0] ?? ''), 'utf8')).split('\n').filter(Boolean)) print(line);
    else if (verb === 'sleep') await sleep(Number(words[0]), container.signal);
    else throw new Error(`the fake shell does not know: ${statement}`);
  }
  return 0;
}

/** `echo words`, `echo words >&2` (the fake has one output stream), `echo words > /path`. */
async function echo(container: FakeContainer, words: readonly string[], print: (line: string) => void): Promise<void> {
  const into = words.indexOf('>');
  if (into === -1) return print(words.filter((w) => w !== '>&2').join(' '));
  await writeFile(container.hostPath(words[into + 1] ?? ''), `${words.slice(0, into).join(' ')}\n`);
}

function sleep(seconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, seconds * 1000);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

/** The behaviour of a container of the shell image. */
export async function fakeShell(container: FakeContainer): Promise<FakeOutcome> {
  const command = [...(container.spec.entrypoint ?? []), ...(container.spec.command ?? [])];
  return { exitCode: await interpret(container, command, (line) => container.log(line)) };
}

/** What `exec` does in a container of the shell image. */
export async function fakeShellExec(container: FakeContainer, command: readonly string[]): Promise<{ exitCode: number; output: string[] }> {
  const output: string[] = [];
  const exitCode = await interpret(container, command, (line) => output.push(line));
  return { exitCode, output };
}
