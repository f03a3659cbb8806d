// Hints are written with commands in the CLI's words (`sagesim images build`). How they should read
// depends on who reads them: the CLI prints them as its user started it (`sagesim` from a global
// install, `npx sagesim` inside a project); a program using the library or the test harness has
// sagesim as a dependency, so its user types `npx sagesim`. One rewrite serves every edge.

/** Every top-level CLI command (a unit test keeps this in step with the commander program). */
export const SAGESIM_COMMANDS = [
  'validate',
  'inputs',
  'graph',
  'run',
  'ls',
  'show',
  'logs',
  'reproduce',
  'retry',
  'rm',
  'prune',
  'data',
  's3',
  'images',
  'models',
  'callback',
  'serve',
  'exec',
  'completion',
] as const;

/** How a user who has sagesim as a project dependency starts it (library and harness users). */
export const PROJECT_INVOCATION = 'npx sagesim';

// `sagesim` (or `npx sagesim`) followed by one of its commands, at the start of a word: not
// `sagesim/sklearn`, not the `sagesim serve:` banner, not prose such as "sagesim keeps".
const MENTION = new RegExp(`(^|[\\s\`'"(])(?:npx )?sagesim (?=(?:${SAGESIM_COMMANDS.join('|')})(?:[\\s\`'")]|$))`, 'gm');

/**
 * The text with each suggested command started as `invocation` says (`sagesim`, `npx sagesim`).
 * Idempotent: a text already rendered for one invocation renders for another.
 */
export function inCommandWords(text: string, invocation: string): string {
  return text.replace(MENTION, `$1${invocation} `);
}
