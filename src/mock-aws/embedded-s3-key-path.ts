// How the embedded S3 maps an object key to a path under its bucket's folder, safely for any key:
// every `/`-separated segment becomes one folder (or the file name, for the last) after encoding,
// so no key can name `.`, `..`, an empty folder, a hidden file or a name too long for the file
// system. Keys stay readable on disk (`data/train.csv` is `data/train.csv._S3rver_object`).
//
// A segment is encoded byte by byte: bytes in SAFE stay, any other is `%XX`; a leading `.` is
// `%2E` (no `.`, `..`, nor a hidden name that could meet the store's own temporary files), as is
// the `.` of any `._S3rver` inside it (no segment can end like an object's file name). An empty
// segment is `%_` when it is a folder (`a//b`) and nothing when it is the last (`dir/`, stored as
// `dir/._S3rver_object`, as before). A segment longer than MAX_NAME is cut into pieces; each
// piece but the last is a folder whose name ends with a lone `%` (which no `%XX` escape does).

const SAFE = /^[A-Za-z0-9 !$&'()+,;=@_~.-]$/;
const EMPTY_FOLDER = '%_';
const CONTINUED = '%';
/** Leaves room for `._S3rver_metadata.json` within a file system's 255-byte names. */
const MAX_NAME = 200;

/** The folders and the final name (without the `._S3rver_*` suffix) a key is stored under. */
export function keyToPathParts(key: string): string[] {
  const segments = key.split('/');
  const parts: string[] = [];
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (segment === '') {
      parts.push(last ? '' : EMPTY_FOLDER);
      return;
    }
    const pieces = cut(encodeSegment(segment));
    pieces.forEach((piece, at) => parts.push(at < pieces.length - 1 ? `${piece}${CONTINUED}` : piece));
  });
  return parts;
}

function encodeSegment(segment: string): string {
  let out = '';
  for (const byte of Buffer.from(segment, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += byte < 0x80 && SAFE.test(char) ? char : percent(byte);
  }
  return escapeDots(out.replaceAll('._S3rver', '%2E_S3rver'));
}

/** A name may not start with `.`: `%2E` instead (decodes the same). */
function escapeDots(name: string): string {
  return name.startsWith('.') ? `%2E${name.slice(1)}` : name;
}

/** Pieces of at most MAX_NAME characters (plus a `%2E`), never splitting an escape. */
function cut(encoded: string): string[] {
  if (encoded.length <= MAX_NAME) return [encoded];
  const pieces: string[] = [];
  let rest = encoded;
  while (rest.length > MAX_NAME) {
    let end = MAX_NAME;
    const escape = rest.lastIndexOf('%', end - 1);
    if (escape !== -1 && escape > end - 3) end = escape;
    pieces.push(rest.slice(0, end));
    rest = rest.slice(end);
  }
  pieces.push(rest);
  return pieces.map((piece, index) => (index === 0 ? piece : escapeDots(piece)));
}

function percent(byte: number): string {
  return `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Whether a folder name is a piece of a segment that continues in the folder below. */
export function isContinued(name: string): boolean {
  // An escape ends with hex digits, so a trailing `%` can only be the mark.
  return name.endsWith(CONTINUED);
}

/** The bytes of an encoded name (or of joined pieces), with the continuation mark removed. */
export function stripContinued(name: string): string {
  return name.slice(0, -CONTINUED.length);
}

/**
 * The key segment an encoded name (or joined pieces) stands for; undefined for a name this
 * encoding never produces (a file someone put there by hand), which listings skip.
 */
export function decodeSegment(encoded: string): string | undefined {
  if (encoded === EMPTY_FOLDER) return '';
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    const char = encoded[i] as string;
    if (char === '%') {
      const hex = encoded.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) return undefined;
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      const code = char.charCodeAt(0);
      if (code >= 0x80 || !SAFE.test(char)) return undefined;
      bytes.push(code);
    }
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Uint8Array.from(bytes));
}
