// In-memory ObjectStore for unit tests and stub-only runs.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { type ObjectInfo, type ObjectStore, notFound, parseS3Uri, formatS3Uri } from '../ports/object-store.js';

export class MemoryObjectStore implements ObjectStore {
  readonly description = 'in-memory object store';
  private readonly objects = new Map<string, { body: Buffer; lastModified: Date; etag: string }>();

  async put(uri: string, body: Uint8Array | string | Readable): Promise<void> {
    const { bucket, key } = parseS3Uri(uri);
    const bytes = body instanceof Readable ? await collect(body) : Buffer.from(body);
    // S3's ETag of a single-part upload: the quoted MD5 of the content.
    this.objects.set(formatS3Uri(bucket, key), { body: bytes, lastModified: new Date(), etag: `"${createHash('md5').update(bytes).digest('hex')}"` });
  }

  async get(uri: string): Promise<Buffer> {
    const entry = this.objects.get(normalize(uri));
    if (!entry) throw notFound(uri);
    return entry.body;
  }

  async getStream(uri: string): Promise<Readable> {
    return Readable.from([await this.get(uri)]);
  }

  async list(prefixUri: string): Promise<ObjectInfo[]> {
    const { bucket, key: prefix } = parseS3Uri(prefixUri);
    const out: ObjectInfo[] = [];
    for (const [uri, entry] of this.objects) {
      const loc = parseS3Uri(uri);
      if (loc.bucket === bucket && loc.key.startsWith(prefix)) {
        out.push({ uri, key: loc.key, size: entry.body.length, lastModified: entry.lastModified, etag: entry.etag });
      }
    }
    // S3 lists keys in the order of their UTF-8 bytes, not a locale's.
    return out.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  }

  async exists(uri: string): Promise<boolean> {
    return this.objects.has(normalize(uri));
  }

  async delete(uri: string): Promise<void> {
    this.objects.delete(normalize(uri));
  }
}

function normalize(uri: string): string {
  const { bucket, key } = parseS3Uri(uri);
  return formatS3Uri(bucket, key);
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
