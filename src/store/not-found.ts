// A missing file or folder is an ordinary answer for the store (nothing recorded yet), not a failure.
export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
