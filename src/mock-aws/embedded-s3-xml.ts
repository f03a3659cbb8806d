// The embedded S3's XML: a small parser for the request bodies S3 takes (DeleteObjects,
// CompleteMultipartUpload, tagging, CORS) and the serializer of its answers. The parser knows
// elements, text, CDATA, comments and the five predefined entities; a DOCTYPE (and with it any
// entity definition) is refused, so no body can expand entities or reach files (no XXE).
import { s3Error } from './embedded-s3-error.js';

export interface XmlElement {
  /** Local name, without a namespace prefix. */
  readonly name: string;
  readonly children: XmlElement[];
  /** The element's own text (CDATA included), entities decoded. */
  text: string;
}

/** Deeper than any S3 body (CORS is 4 levels): a bound on the parser's stack. */
const MAX_DEPTH = 32;
const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function malformedXml(): Error {
  return s3Error('MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
}

/** Parses one XML document into its root element; MalformedXML for anything else. */
export function parseXml(source: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let at = source.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (at < source.length) {
    const open = source.indexOf('<', at);
    const text = source.slice(at, open === -1 ? source.length : open);
    const parent = stack.at(-1);
    if (parent) parent.text += decodeEntities(text);
    else if (text.trim() !== '') throw malformedXml();
    if (open === -1) break;
    at = parseMarkup(source, open, stack, (element) => {
      if (root || stack.length > 0) throw malformedXml();
      root = element;
    });
  }
  if (!root || stack.length > 0) throw malformedXml();
  return root;
}

/** Reads the markup at `open` (a `<`); returns where the text after it starts. */
function parseMarkup(source: string, open: number, stack: XmlElement[], done: (root: XmlElement) => void): number {
  if (source.startsWith('<?', open)) return after(source, '?>', open);
  if (source.startsWith('<!--', open)) return after(source, '-->', open);
  if (source.startsWith('<![CDATA[', open)) {
    const end = after(source, ']]>', open);
    const parent = stack.at(-1);
    if (!parent) throw malformedXml();
    parent.text += source.slice(open + 9, end - 3);
    return end;
  }
  // <!DOCTYPE ...> and anything else starting `<!`: entity definitions are never honoured.
  if (source.startsWith('<!', open)) throw malformedXml();
  const end = after(source, '>', open);
  const tag = source.slice(open + 1, end - 1);
  if (tag.startsWith('/')) {
    const element = stack.pop();
    if (!element || localName(tag.slice(1).trim()) !== element.name) throw malformedXml();
    if (stack.length === 0) done(element);
    return end;
  }
  const selfClosing = tag.endsWith('/');
  const match = /^([A-Za-z_][\w.:-]*)(\s[^]*)?$/.exec(selfClosing ? tag.slice(0, -1) : tag);
  if (!match?.[1] || !attributesWellFormed(match[2] ?? '')) throw malformedXml();
  const element: XmlElement = { name: localName(match[1]), children: [], text: '' };
  stack.at(-1)?.children.push(element);
  if (selfClosing) {
    if (stack.length === 0) done(element);
  } else {
    if (stack.length >= MAX_DEPTH) throw malformedXml();
    stack.push(element);
  }
  return end;
}

function after(source: string, token: string, from: number): number {
  const index = source.indexOf(token, from);
  if (index === -1) throw malformedXml();
  return index + token.length;
}

function localName(qualified: string): string {
  return qualified.slice(qualified.indexOf(':') + 1);
}

function attributesWellFormed(attributes: string): boolean {
  return /^(\s+[A-Za-z_][\w.:-]*\s*=\s*("[^"<]*"|'[^'<]*'))*\s*$/.test(attributes);
}

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&([^;&\s]{0,10});?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw malformedXml();
    const named = ENTITIES[name];
    if (named !== undefined) return named;
    const code = /^#x[0-9a-fA-F]{1,6}$/.test(name) ? parseInt(name.slice(2), 16) : /^#\d{1,7}$/.test(name) ? Number(name.slice(1)) : Number.NaN;
    if (!(code > 0 && code <= 0x10ffff)) throw malformedXml();
    return String.fromCodePoint(code);
  });
}

/** The children of `element` named `name`. */
export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}

/** The text of the first child named `name`, undefined when there is none. */
export function childText(element: XmlElement, name: string): string | undefined {
  return element.children.find((child) => child.name === name)?.text;
}

/**
 * An answer body: `{ Root: { '@': { xmlns }, Member: value } }` as XML. Arrays repeat their
 * element, nested objects nest, undefined members are left out, text is escaped.
 */
export type XmlValue = string | number | boolean | undefined | null | XmlObject | readonly XmlValue[];
export interface XmlObject {
  readonly [name: string]: XmlValue | Readonly<Record<string, string>>;
}

export function toXml(body: XmlObject): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${members(body)}`;
}

function members(object: XmlObject): string {
  let out = '';
  for (const [name, value] of Object.entries(object)) {
    if (name !== '@') out += element(name, value as XmlValue);
  }
  return out;
}

function element(name: string, value: XmlValue): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return (value as readonly XmlValue[]).map((item) => element(name, item)).join('');
  if (typeof value === 'object') {
    const attributes = Object.entries((value as XmlObject)['@'] ?? {})
      .map(([attribute, text]) => ` ${attribute}="${escapeXml(String(text))}"`)
      .join('');
    const inner = members(value as XmlObject);
    return inner === '' ? `<${name}${attributes}/>` : `<${name}${attributes}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

const XML_ESCAPES: Readonly<Record<string, string>> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => XML_ESCAPES[ch] ?? ch);
}
