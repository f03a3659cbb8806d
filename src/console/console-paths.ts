// Where the console lives on `sagesim serve`'s port. S3 bucket names are 3-63 characters of
// lowercase letters, digits, dots and hyphens, so no path-style S3 request can start with
// `/_sagesim/`: the console never shadows a bucket, and routes before S3 does.
export const CONSOLE_PREFIX = '/_sagesim/ui/';

/** True when the request path belongs to the console (the prefix, with or without its slash). */
export function isConsolePath(url: string | undefined): boolean {
  if (url === undefined) return false;
  return url.startsWith(CONSOLE_PREFIX) || url === CONSOLE_PREFIX.slice(0, -1) || url.startsWith(`${CONSOLE_PREFIX.slice(0, -1)}?`);
}

/** The console's address on an endpoint such as `http://127.0.0.1:4566`. */
export function consoleUrl(endpoint: string): string {
  return `${endpoint}${CONSOLE_PREFIX}`;
}
