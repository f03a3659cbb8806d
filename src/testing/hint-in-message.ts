// Test runners print an error's message and stack, never its other fields: errors that leave the
// harness carry their hint in the message, so a failing test says what to do. The hint is the one
// for harness users (an option of `run()` rather than a CLI flag) where the error has one, and a
// refused definition lists every problem, each with its own hint.
import { DefinitionError, type DefinitionProblem, SagesimError } from '../errors.js';

/** The error as a harness user should read it: its hint (the harness's, if any) in the message. */
export function hintInMessage(error: unknown): unknown {
  if (!(error instanceof SagesimError)) return error;
  const hint = error.harnessHint ?? error.hint;
  const problems = error instanceof DefinitionError && error.problems.length > 1 ? error.problems.map(problemLine) : [];
  const hintLine = hint === undefined || error.message.includes(hint) || problems.length > 0 ? [] : [`  hint: ${hint}`];
  if (problems.length === 0 && hintLine.length === 0 && hint === error.hint) return error;
  const message = [error.message, ...problems, ...hintLine].join('\n');
  const copy = new SagesimError(error.code, message, {
    source: error.source,
    ...(hint === undefined ? {} : { hint }),
    ...(error.cause === undefined ? {} : { cause: error.cause }),
  });
  // Keep the class (ParameterError, ...) and fields of the original for `instanceof` and `code` checks.
  Object.setPrototypeOf(copy, Object.getPrototypeOf(error) as object);
  Object.assign(copy, { ...error, message: copy.message, hint: copy.hint });
  if (error instanceof DefinitionError) Object.assign(copy, { problems: error.problems.map(forHarness) });
  copy.stack = `${copy.name}: ${copy.message}\n${(error.stack ?? '').split('\n').slice(1).join('\n')}`;
  return copy;
}

function forHarness(problem: DefinitionProblem): DefinitionProblem {
  return problem.harnessHint === undefined ? problem : { ...problem, hint: problem.harnessHint };
}

function problemLine(problem: DefinitionProblem): string {
  const hint = problem.harnessHint ?? problem.hint;
  return `  - ${problem.step === undefined ? '' : `step ${problem.step}: `}${problem.message} (at ${problem.path})${hint === undefined ? '' : `\n    hint: ${hint}`}`;
}

/** Runs `work`; a SagesimError it throws comes out with its hint in the message. */
export async function withHintsInMessages<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw hintInMessage(error);
  }
}

/** Same, for synchronous calls. */
export function withHintsInMessagesSync<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw hintInMessage(error);
  }
}
