// The one rule for the CLI's exit code: the catalogue's exit of the error's code.
import { ERROR_CODES, isErrorCode } from './error-codes.js';
import { EXIT, type ExitStatus } from './exit-codes.js';
import { DefinitionError, isSagesimError } from './sagesim-error.js';

/**
 * The exit code a command ends with when `error` ends it. A definition (or preflight) refused for
 * problems exits as INVALID_DEFINITION, whatever its first problem's code; an error sagesim did
 * not throw on purpose is internal, except file-system errors, which name a path the user gave.
 */
export function exitCodeOf(error: unknown): ExitStatus {
  if (error instanceof DefinitionError) return ERROR_CODES.INVALID_DEFINITION.exit;
  if (isSagesimError(error)) return isErrorCode(error.code) ? ERROR_CODES[error.code].exit : ERROR_CODES.INVALID_DEFINITION.exit;
  if (isFileSystemError(error)) return EXIT.usage;
  return EXIT.internal;
}

/** Errno codes that name a path the user can fix (not writable home, full disk, ...). */
export const FILE_SYSTEM_ERRNO: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  ENOENT: 'no such file or folder',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'it already exists',
};

export function isFileSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string; path: string; syscall: string } {
  if (!(error instanceof Error)) return false;
  const { code, syscall, path } = error as NodeJS.ErrnoException;
  return typeof code === 'string' && typeof path === 'string' && typeof syscall === 'string' && FILE_SYSTEM_ERRNO[code] !== undefined;
}
