// What a test reads and writes in the environment's S3: the embedded emulator with Docker, an
// in-memory store with stubs only.
import type { Readable } from 'node:stream';
import type { JsonValue } from '../engine/json.js';
import type { ObjectStore } from '../ports/object-store.js';
import { withHintsInMessages } from './hint-in-message.js';

export interface TestS3 {
  /** The object's bytes; throws SagesimError `S3_NOT_FOUND` when there is none. */
  get(uri: string): Promise<Buffer>;
  /** The object as UTF-8 text. */
  text(uri: string): Promise<string>;
  /** The object parsed as JSON. */
  json(uri: string): Promise<JsonValue>;
  /** URIs of the objects under a prefix (a plain key prefix, not a folder), in key order. */
  list(prefixUri: string): Promise<string[]>;
  exists(uri: string): Promise<boolean>;
  /** Places an object (a string is written as UTF-8). */
  put(uri: string, body: string | Uint8Array | Readable): Promise<void>;
  /** The store itself, for anything else. */
  readonly store: ObjectStore;
}

export function testS3(store: ObjectStore): TestS3 {
  return {
    store,
    get: (uri) => withHintsInMessages(() => store.get(uri)),
    text: async (uri) => (await withHintsInMessages(() => store.get(uri))).toString('utf8'),
    json: async (uri) => JSON.parse((await withHintsInMessages(() => store.get(uri))).toString('utf8')) as JsonValue,
    list: async (prefixUri) => (await store.list(prefixUri)).map((info) => info.uri).sort(),
    exists: (uri) => store.exists(uri),
    put: (uri, body) => store.put(uri, body),
  };
}
