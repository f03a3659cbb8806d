// How the embedded S3 writes its successful answers: XML bodies, empty answers, and an object's
// stored headers as S3 sends them back.
import type { ServerResponse } from 'node:http';
import { type XmlObject, toXml } from './embedded-s3-xml.js';

export const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
/** The owner every bucket and object has: the emulator has one account. */
export const OWNER = { ID: '123456789000', DisplayName: 'S3rver' } as const;

export function sendXml(res: ServerResponse, body: XmlObject, status = 200): void {
  const text = toXml(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/xml');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status = 200): void {
  res.statusCode = status;
  if (status !== 204 && status !== 304) res.setHeader('Content-Length', 0);
  res.end();
}

/** Header names as S3 spells them (node sends them as given; some clients look at the case). */
const SPELLING: Readonly<Record<string, string>> = { etag: 'ETag', 'content-md5': 'Content-MD5' };

export function headerName(name: string): string {
  const lower = name.toLowerCase();
  if (SPELLING[lower]) return SPELLING[lower];
  if (lower.startsWith('x-amz-')) return lower;
  return lower.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
}

/** An object's stored headers (content type, user metadata, ETag, Last-Modified...) on `res`. */
export function setObjectHeaders(res: ServerResponse, metadata: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(metadata)) res.setHeader(headerName(name), value);
}
