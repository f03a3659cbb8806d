// The ObjectStore contract, run against both implementations: the in-memory store the unit tests
// and stub runs use, and the S3 client on the embedded S3 that real runs use. A difference between
// them (the listing order once was one) is a test that lies, so both must pass the same cases.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { isSagesimError } from '../../src/errors.js';
import { MemoryObjectStore } from '../../src/mock-aws/memory-object-store.js';
import type { ObjectStore } from '../../src/ports/object-store.js';
import { createObjectStore } from '../../src/mock-aws/s3-client.js';

interface Subject {
  readonly store: ObjectStore;
  readonly close: () => Promise<void>;
}

const IMPLEMENTATIONS: Readonly<Record<string, () => Promise<Subject>>> = {
  'in-memory store': async () => ({ store: new MemoryObjectStore(), close: async () => undefined }),
  'S3 client on the embedded S3': async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'sagesim-contract-'));
    const store = await createObjectStore(resolveConfig({ home, cwd: home, mock: true }, {}));
    return {
      store,
      close: async () => {
        await store[Symbol.asyncDispose]();
        rmSync(home, { recursive: true, force: true });
      },
    };
  },
};

describe.each(Object.keys(IMPLEMENTATIONS))('ObjectStore contract: %s', (name) => {
  let subject: Subject;
  let bucket = 0;
  /** Every test its own bucket. */
  const fresh = (): string => `s3://contract-${++bucket}`;
  beforeAll(async () => {
    subject = await (IMPLEMENTATIONS[name] as () => Promise<Subject>)();
  });
  afterAll(async () => {
    await subject.close();
  });

  it('gives back what was put: bytes, text and streams', async () => {
    const base = fresh();
    const bytes = Uint8Array.from([0, 1, 2, 255]);
    await subject.store.put(`${base}/a.bin`, bytes);
    await subject.store.put(`${base}/b.txt`, 'héllo');
    await subject.store.put(`${base}/c.txt`, Readable.from([Buffer.from('str'), Buffer.from('eam')]), { contentLength: 6 });
    expect([...(await subject.store.get(`${base}/a.bin`))]).toEqual([0, 1, 2, 255]);
    expect((await subject.store.get(`${base}/b.txt`)).toString('utf8')).toBe('héllo');
    const chunks: Buffer[] = [];
    for await (const chunk of await subject.store.getStream(`${base}/c.txt`)) chunks.push(Buffer.from(chunk as Uint8Array));
    expect(Buffer.concat(chunks).toString()).toBe('stream');
  });

  it('an absent object is S3_NOT_FOUND on get, false on exists', async () => {
    const base = fresh();
    await subject.store.put(`${base}/here`, 'x');
    const error = await subject.store.get(`${base}/missing`).catch((e: unknown) => e);
    expect(isSagesimError(error) && error.code).toBe('S3_NOT_FOUND');
    expect(await subject.store.exists(`${base}/missing`)).toBe(false);
    expect(await subject.store.exists(`${base}/here`)).toBe(true);
  });

  it('delete removes the object, and deleting an absent one is not an error', async () => {
    const base = fresh();
    await subject.store.put(`${base}/k`, 'x');
    await subject.store.delete(`${base}/k`);
    await subject.store.delete(`${base}/never-there`);
    expect(await subject.store.exists(`${base}/k`)).toBe(false);
  });

  it('lists by plain prefix (not by folder), with sizes', async () => {
    const base = fresh();
    for (const key of ['data/a.csv', 'data/b.csv', 'data-2/c.csv', 'other/d.csv']) await subject.store.put(`${base}/${key}`, key);
    expect((await subject.store.list(`${base}/data`)).map((o) => o.key)).toEqual(['data-2/c.csv', 'data/a.csv', 'data/b.csv']);
    expect((await subject.store.list(`${base}/data/`)).map((o) => [o.key, o.size, o.uri])).toEqual([
      ['data/a.csv', 10, `${base}/data/a.csv`],
      ['data/b.csv', 10, `${base}/data/b.csv`],
    ]);
    expect(await subject.store.list(`${base}/nothing/`)).toEqual([]);
  });

  it('lists in S3 order: by the bytes of the key, upper case before lower, ASCII before accents', async () => {
    const base = fresh();
    const keys = ['b', 'B', 'a', 'Z', '_', 'é', '0', 'a/b', 'a-b'];
    for (const key of keys) await subject.store.put(`${base}/${key}`, 'x');
    const expected = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect(expected).toEqual(['0', 'B', 'Z', '_', 'a', 'a-b', 'a/b', 'b', 'é']);
    expect((await subject.store.list(`${base}/`)).map((o) => o.key)).toEqual(expected);
  });

  it('keys with spaces, plus signs, percent signs and unicode survive the round trip', async () => {
    const base = fresh();
    const key = 'weird names/a b+c%20d ü.csv';
    await subject.store.put(`${base}/${key}`, 'ok');
    expect((await subject.store.get(`${base}/${key}`)).toString()).toBe('ok');
    expect((await subject.store.list(`${base}/weird`)).map((o) => o.key)).toEqual([key]);
  });

  it('lists an ETag that changes with the content and not with a rewrite of the same bytes (the cache compares them)', async () => {
    const base = fresh();
    const etagOf = async (): Promise<string | undefined> => (await subject.store.list(`${base}/code/evaluate.py`))[0]?.etag;
    await subject.store.put(`${base}/code/evaluate.py`, 'print(1)');
    const first = await etagOf();
    expect(first).toMatch(/^"[0-9a-f]{32}"$/);
    await subject.store.put(`${base}/code/evaluate.py`, 'print(1)');
    expect(await etagOf()).toBe(first);
    await subject.store.put(`${base}/code/evaluate.py`, 'print(2)');
    expect(await etagOf()).not.toBe(first);
  });
});
