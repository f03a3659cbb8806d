// Times and durations as the history commands show them.

export interface TimeFormatOptions {
  /** IANA time zone of shown times. @default the machine's */
  readonly timeZone?: string;
}

/** `2024-06-01 12:00:05` in the given (or local) time zone; `-` when absent. */
export function formatTimestamp(iso: string | undefined, options: TimeFormatOptions = {}): string {
  if (iso === undefined) return '-';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  // The Swedish locale writes dates as ISO-8601 does.
  return new Intl.DateTimeFormat('sv-SE', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
    ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
  }).format(date);
}

/** `850ms`, `12.3s`, `4m05s`, `1h02m`; `-` when not measurable. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** Duration between two ISO times; while running (no end), up to `now` with a trailing `+`. */
export function formatSpan(start: string | undefined, end: string | undefined, now?: Date): string {
  if (start === undefined) return '-';
  if (end !== undefined) return formatDuration(Date.parse(end) - Date.parse(start));
  return now === undefined ? '-' : `${formatDuration(now.getTime() - Date.parse(start))}+`;
}
