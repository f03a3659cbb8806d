// Test runners print an error's message and stack, never its other fields: errors that leave the
// harness carry their hint in the message, so a failing test says what to do.
import { SagesimError } from '../errors.js';

/** The error, with its hint appended to the message when it has one the message lacks. */
export function hintInMessage(error: unknown): unknown {
  if (!(error instanceof SagesimError) || error.hint === undefined || error.message.includes(error.hint)) return error;
  const copy = new SagesimError(error.code, `${error.message}\n  hint: ${error.hint}`, {
    source: error.source,
    hint: error.hint,
    ...(error.cause === undefined ? {} : { cause: error.cause }),
  });
  // Keep the class (ParameterError, ...) and fields of the original for `instanceof` and `code` checks.
  Object.setPrototypeOf(copy, Object.getPrototypeOf(error) as object);
  Object.assign(copy, { ...error, message: copy.message });
  copy.stack = `${copy.name}: ${copy.message}\n${(error.stack ?? '').split('\n').slice(1).join('\n')}`;
  return copy;
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
