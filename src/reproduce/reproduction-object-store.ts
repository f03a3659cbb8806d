// The object store a reproduction stages through: inputs are read from the real S3 (the same
// objects the original job read), outputs are written under the reproduction's folder instead of
// over the original execution's outputs. `--upload` skips this wrapper.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type ObjectInfo, type ObjectStore, notFound, parseS3Uri } from '../ports/object-store.js';
import type { RangedObjectStore } from '../mock-aws/s3-object-store.js';

/** An object the reproduction wrote, and the local file that holds it. */
export interface WrittenObject {
  readonly uri: string;
  readonly file: string;
}

export class ReproductionObjectStore implements ObjectStore {
  readonly description: string;
  private readonly written = new Map<string, string>();

  constructor(
    private readonly source: ObjectStore,
    /** Written objects land at `<outputDir>/<bucket>/<key>`. */
    readonly outputDir: string,
  ) {
    this.description = `${source.description} (outputs written to ${outputDir})`;
  }

  /** What the job wrote, in the order it wrote it. */
  writtenObjects(): WrittenObject[] {
    return [...this.written].map(([uri, file]) => ({ uri, file }));
  }

  /** The local file an object was written to, if the job wrote it. */
  localFileOf(uri: string): string | undefined {
    return this.written.get(uri);
  }

  async put(uri: string, body: Uint8Array | string | Readable): Promise<void> {
    const file = this.fileFor(uri);
    await mkdir(path.dirname(file), { recursive: true });
    const source = typeof body === 'string' || body instanceof Uint8Array ? Readable.from([Buffer.from(body)]) : body;
    await pipeline(source, createWriteStream(file));
    this.written.set(uri, file);
  }

  async get(uri: string): Promise<Buffer> {
    const local = this.written.get(uri);
    return local === undefined ? this.source.get(uri) : readFile(local);
  }

  async getStream(uri: string): Promise<Readable> {
    const local = this.written.get(uri);
    return local === undefined ? this.source.getStream(uri) : createReadStream(local);
  }

  async list(prefixUri: string): Promise<ObjectInfo[]> {
    return this.source.list(prefixUri);
  }

  async exists(uri: string): Promise<boolean> {
    return this.written.has(uri) || this.source.exists(uri);
  }

  async delete(uri: string): Promise<void> {
    const local = this.written.get(uri);
    if (local === undefined) throw notFound(uri);
    this.written.delete(uri);
    await rm(local, { force: true });
  }

  private fileFor(uri: string): string {
    const { bucket, key } = parseS3Uri(uri);
    const parts = key.split('/').filter((part) => part !== '' && part !== '.' && part !== '..');
    return path.join(this.outputDir, bucket, ...parts);
  }
}

/** Same wrapper, keeping the source's ranged reads (large inputs in parallel byte ranges). */
export class RangedReproductionObjectStore extends ReproductionObjectStore implements RangedObjectStore {
  constructor(
    private readonly ranged: RangedObjectStore,
    outputDir: string,
  ) {
    super(ranged, outputDir);
  }

  head(...args: Parameters<RangedObjectStore['head']>): ReturnType<RangedObjectStore['head']> {
    return this.ranged.head(...args);
  }

  getRangeStream(...args: Parameters<RangedObjectStore['getRangeStream']>): ReturnType<RangedObjectStore['getRangeStream']> {
    return this.ranged.getRangeStream(...args);
  }

  override getStream(uri: string, ...rest: unknown[]): Promise<Readable> {
    if (this.localFileOf(uri) !== undefined) return super.getStream(uri);
    return (this.ranged.getStream as (uri: string, ...rest: unknown[]) => Promise<Readable>).call(this.ranged, uri, ...rest);
  }
}

export function reproductionObjectStore(source: ObjectStore, outputDir: string): ReproductionObjectStore {
  const candidate = source as Partial<RangedObjectStore>;
  return typeof candidate.head === 'function' && typeof candidate.getRangeStream === 'function'
    ? new RangedReproductionObjectStore(source as RangedObjectStore, outputDir)
    : new ReproductionObjectStore(source, outputDir);
}
