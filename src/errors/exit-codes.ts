// The exit codes every command shares: the code catalogue gives each error code one of them.

/** Exit codes shared by every command (the README's table). */
export const EXIT = {
  ok: 0,
  /** The execution (or the reproduced step) ran and failed or was stopped; sagesim could not finish (Docker, S3, AWS). */
  failed: 1,
  /** Invalid input, nothing ran: command line, configuration, parameters, an invalid or unreadable definition. */
  usage: 2,
  /** Unexpected internal error. */
  internal: 3,
} as const;

export type ExitStatus = (typeof EXIT)[keyof typeof EXIT];

/**
 * Who can fix what a code reports: `user` (their input: flags, definition, config, stubs, their
 * step's code), `environment` (Docker, disk, network, AWS), `internal` (a sagesim bug: report it).
 */
export type Audience = 'user' | 'environment' | 'internal';
