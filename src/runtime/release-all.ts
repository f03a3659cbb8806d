// Structural cleanup: what a start-up acquires (a server, an S3, a temp folder) registers a
// releaser, and all of them are released together, last acquired first.

/** What undoes one acquired resource. */
export type Releaser = () => Promise<void>;

/**
 * Runs and removes every releaser, last first; all run even if one fails, and the first failure is
 * rethrown. The list is left empty, so a second call releases nothing twice.
 */
export async function releaseAll(releasers: Releaser[]): Promise<void> {
  let failure: unknown;
  while (releasers.length > 0) {
    const releaser = releasers.pop();
    try {
      await releaser?.();
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
}
