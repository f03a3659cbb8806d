// Output of an in-process command that a test waits on by content: `until(pattern)` resolves when
// the text written so far matches, instead of polling it on a timer with a count that a loaded
// machine can run out of.

export interface WatchedOutput {
  /** The writer to hand the command (as CliIo's stdout or stderr). */
  readonly write: (chunk: string) => boolean;
  /** Everything written so far. */
  text(): string;
  /**
   * Resolves with the first match of `pattern` in the output, as soon as it is written; rejects
   * (with the output) if `ended` settles first, e.g. the command's exit.
   */
  until(pattern: RegExp, ended?: Promise<unknown>): Promise<RegExpMatchArray>;
}

export function watchedOutput(): WatchedOutput {
  let text = '';
  const waiters = new Set<() => void>();
  return {
    write: (chunk) => {
      text += chunk;
      for (const check of [...waiters]) check();
      return true;
    },
    text: () => text,
    until: (pattern, ended) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(text);
          if (!match) return;
          waiters.delete(check);
          resolve(match);
        };
        waiters.add(check);
        check();
        void ended?.then(
          () => {
            if (!waiters.delete(check)) return;
            reject(new Error(`the command ended before writing ${String(pattern)}:\n${text}`));
          },
          (error: unknown) => {
            if (waiters.delete(check)) reject(error as Error);
          },
        );
      }),
  };
}
