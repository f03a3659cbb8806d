// Text layout shared by the sections of the end-of-run report: numbers short enough to read,
// lists wrapped to the terminal's width, and colour only where the output is a terminal.
import type { JsonValue } from '../../engine/json.js';

/** Wraps text in ANSI styles, or leaves it alone when the output is not a terminal. */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  good(text: string): string;
  bad(text: string): string;
  warn(text: string): string;
}

const identity = (text: string): string => text;
const ansi =
  (open: number, close: number) =>
  (text: string): string =>
    text === '' ? text : `\x1b[${open}m${text}\x1b[${close}m`;

export const PLAIN_STYLE: Style = { bold: identity, dim: identity, good: identity, bad: identity, warn: identity };
export const ANSI_STYLE: Style = { bold: ansi(1, 22), dim: ansi(2, 22), good: ansi(32, 39), bad: ansi(31, 39), warn: ansi(33, 39) };

/** What every section needs to lay itself out. */
export interface Layout {
  /** Lines are wrapped (not cut) to this many columns. */
  readonly width: number;
  readonly style: Style;
}

/** Four significant digits: `0.2921`, `12.35`, `4512`; whole numbers as they are. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  // Above 10^4 significant digits would turn 45123.7 into 45120: one decimal reads better.
  if (magnitude >= 1e4) return value.toFixed(1);
  return String(Number(value.toPrecision(4)));
}

/** A JSON value as a short inline text: numbers shortened, strings bare, small arrays inline. */
export function formatValue(value: JsonValue | undefined): string {
  if (value === undefined) return '?';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return value;
  if (value === null || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    if (value.length <= 5 && value.every((item) => item === null || typeof item !== 'object')) return `[${value.map((item) => formatValue(item)).join(', ')}]`;
    return `[${value.length} items]`;
  }
  return '{…}';
}

/**
 * `head item1, item2, ...` wrapped at the layout's width; continuation lines start at `indent`
 * columns. An item longer than a line is kept whole rather than broken mid-word.
 */
export function wrapItems(head: string, items: readonly string[], width: number, indent: number): string[] {
  const lines: string[] = [];
  let line = head;
  let lineHasItem = false;
  items.forEach((item, i) => {
    const text = i < items.length - 1 ? `${item},` : item;
    const separator = lineHasItem || !line.endsWith(' ') ? ' ' : '';
    if (lineHasItem && line.length + separator.length + text.length > width) {
      lines.push(line);
      line = `${' '.repeat(indent)}${text}`;
    } else {
      line = `${line}${line === '' ? '' : separator}${text}`;
    }
    lineHasItem = true;
  });
  lines.push(line);
  return lines;
}

/** A section: a bold title and its lines indented by two, or nothing when it has no lines. */
export function section(title: string, lines: readonly string[], layout: Layout): string[] {
  return lines.length === 0 ? [] : [layout.style.bold(title), ...lines];
}

/** Two columns: names padded to the longest (up to a cap), so values line up. */
export function nameColumnWidth(names: readonly string[], cap = 36): number {
  return Math.min(cap, Math.max(0, ...names.map((name) => name.length)));
}
