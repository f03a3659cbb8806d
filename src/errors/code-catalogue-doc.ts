// docs/ERROR-CODES.md as text, rendered from the catalogues: a unit test compares the file with
// this, so the page cannot drift from the codes sagesim throws.
import { ERROR_CODES, type ErrorCodeInfo } from './error-codes.js';
import { type Audience, EXIT } from './exit-codes.js';
import { PROBLEM_CODES, type ProblemCodeInfo } from './problem-codes.js';
import { WARNING_CODES, type WarningCodeInfo } from './warning-codes.js';

const AUDIENCE: Readonly<Record<Audience, string>> = {
  user: 'user',
  environment: 'environment',
  internal: 'sagesim bug',
};

/** Markdown table cells cannot hold `|` or line breaks. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function errorRows(): string[] {
  return Object.entries(ERROR_CODES).map(([code, info]: [string, ErrorCodeInfo]) => {
    const hint = info.hint === undefined ? '' : ` (default hint: ${info.hint})`;
    return `| \`${code}\` | ${info.exit} | ${AUDIENCE[info.audience]} | ${cell(info.meaning + hint)} |`;
  });
}

function problemRows(): string[] {
  return Object.entries(PROBLEM_CODES).map(
    ([code, info]: [string, ProblemCodeInfo]) =>
      `| \`${code}\` | ${info.stage}${info.severity === 'warning' ? ' (warning)' : ''} | ${AUDIENCE[info.audience]} | ${cell(info.meaning)} |`,
  );
}

function warningRows(): string[] {
  return Object.entries(WARNING_CODES).map(([code, info]: [string, WarningCodeInfo]) => `| \`${code}\` | ${AUDIENCE[info.audience]} | ${cell(info.meaning)} |`);
}

/** The whole page, ending with a newline. */
export function renderCodeCatalogue(): string {
  return [
    '# Error, problem and warning codes',
    '',
    '<!-- Generated from src/errors/*-codes.ts; test/unit/error-codes.test.ts fails when this page differs.',
    '     Update it with: SAGESIM_UPDATE_DOCS=1 npx vitest run test/unit/error-codes.test.ts -->',
    '',
    'Every error sagesim reports on purpose has a stable code (`error.code` in the API and the test harness),',
    'every problem `validate` or a preflight finds has one (`code` in `--json`), and so has every warning',
    '(`Code` in `run --json`, `code` on the reporter\'s warning event). Tests and scripts match on codes, never on',
    'message text. Who can fix it: **user** (flags, definition, config, stubs, the step\'s own code),',
    '**environment** (Docker, disk, network, AWS), **sagesim bug** (please report it, with `--debug` output).',
    '',
    'A hint says what to do next, in its reader\'s words: the CLI names commands as you started it (`sagesim ls`,',
    'or `npx sagesim ls` inside a project); `error.hint` in the API names them `npx sagesim ...`; the test harness',
    'names its own options where it has one (`run(definition, { from, steps })` rather than `--from`, `--steps`).',
    '',
    '## Errors',
    '',
    `The exit code is what a command ends with when the error ends it: ${EXIT.failed} (the execution failed, or`,
    `sagesim could not finish), ${EXIT.usage} (invalid input or a refused start: nothing ran), ${EXIT.internal} (a bug in sagesim).`,
    'Errors met while a step runs fail that step: the execution then fails and `run` exits 1.',
    '',
    '| code | exit | who fixes it | meaning |',
    '| --- | --- | --- | --- |',
    ...errorRows(),
    '',
    '## Definition and preflight problems',
    '',
    '`validate` lists every problem at once, each with its JSON path and a hint; `run` refuses a definition',
    `with problems, and a preflight refuses a run, with exit ${ERROR_CODES.INVALID_DEFINITION.exit}. Warnings never refuse anything.`,
    '',
    '| code | found by | who fixes it | meaning |',
    '| --- | --- | --- | --- |',
    ...problemRows(),
    '',
    '## Warnings',
    '',
    'A warning is printed as `warning (step): message` and never changes the exit code.',
    '',
    '| code | who fixes it | meaning |',
    '| --- | --- | --- |',
    ...warningRows(),
    '',
  ].join('\n');
}
