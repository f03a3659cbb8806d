// The object store every step stages through: S3 (embedded emulator, LocalStack or AWS) in real
// runs, an in-memory map in unit tests. URIs are always `s3://bucket/key`.
import type { Readable } from 'node:stream';
import { SagesimError } from '../errors.js';

export interface ObjectInfo {
  /** `s3://bucket/key` */
  readonly uri: string;
  readonly key: string;
  readonly size: number;
  readonly lastModified?: Date;
  /** The entity tag, when the store gives one: changes whenever the content does. */
  readonly etag?: string;
}

export interface ObjectStore {
  /** Human-readable description for messages, e.g. `embedded S3 at http://127.0.0.1:4569`. */
  readonly description: string;
  put(uri: string, body: Uint8Array | string | Readable, options?: { readonly contentLength?: number }): Promise<void>;
  /** Throws SagesimError `S3_NOT_FOUND` when the object does not exist. */
  get(uri: string): Promise<Buffer>;
  getStream(uri: string): Promise<Readable>;
  /** Every object whose key starts with the URI's key (a plain prefix, not a folder). */
  list(prefixUri: string): Promise<ObjectInfo[]>;
  exists(uri: string): Promise<boolean>;
  delete(uri: string): Promise<void>;
}

export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match || !match[1]) {
    throw new SagesimError('INVALID_S3_URI', `not an S3 URI: ${JSON.stringify(uri)}`, {
      source: 'user',
      hint: 'S3 URIs look like s3://bucket/prefix/key',
    });
  }
  return { bucket: match[1], key: match[2] ?? '' };
}

export function formatS3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** Joins URI parts with single slashes, as SageMaker does when it lays out job outputs. */
export function joinS3(base: string, ...parts: readonly string[]): string {
  let out = base.replace(/\/+$/, '');
  for (const part of parts) {
    const trimmed = part.replace(/^\/+|\/+$/g, '');
    if (trimmed) out += `/${trimmed}`;
  }
  return out;
}

export function notFound(uri: string): SagesimError {
  return new SagesimError('S3_NOT_FOUND', `no object at ${uri}`, {
    source: 'user',
    hint: 'check the URI, or seed it with `sagesim s3 cp <file> <uri>`',
    harnessHint: 'check the URI, or place it first: `await env.s3.put(uri, body)`',
  });
}
