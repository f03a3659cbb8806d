// The images half of the container-engine port over dockerode: `docker import`, the classic
// builder (FROM resolves against local images only: no registry is asked), tag, list and remove.
// Imports and builds are not bounded by the API timeout (a build may take minutes); the rest are.
import type Docker from 'dockerode';
import { access, readdir } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { LineBuffer } from '../../util/line-buffer.js';
import type { BuildImageOptions, ContainerImages, ImageInfo, ImportImageOptions, RemoveImageOutcome } from '../../ports/container-engine.js';
import { BUILD_LOG_TAIL_LINES, imageBuildFailed, parseImportChanges, splitImageName } from '../../ports/image-refs.js';
import { type DockerApi, statusOf } from './docker-api.js';

/** One JSON message of the engine's progress stream (build, import). */
interface ProgressMessage {
  readonly stream?: string;
  readonly status?: string;
  readonly error?: string;
  readonly errorDetail?: { readonly message?: string };
  readonly aux?: { readonly ID?: string };
}

export class DockerImages implements ContainerImages {
  constructor(private readonly api: DockerApi) {}

  private get docker(): Docker {
    return this.api.docker;
  }

  async importImage(rootfsTarPath: string, options: ImportImageOptions): Promise<string> {
    const what = `importing ${rootfsTarPath} as ${options.tag}`;
    parseImportChanges(options.changes ?? []);
    await access(rootfsTarPath).catch((cause: unknown) => {
      throw imageBuildFailed(what, 'the file does not exist or cannot be read', [], cause);
    });
    const { repository, tag } = splitImageName(options.tag);
    const query = { repo: repository, tag, changes: [...(options.changes ?? [])], ...abortable(options.signal) };
    const messages = await this.progress(what, () => (this.docker.importImage as unknown as (file: string, opts: object) => Promise<Readable>).call(this.docker, rootfsTarPath, query), options);
    const id = [...messages.statuses].reverse().find((status) => status.startsWith('sha256:'));
    return id ?? (await this.idOf(options.tag));
  }

  async buildImage(options: BuildImageOptions): Promise<string> {
    const what = `building ${options.tags[0] ?? 'an image'}`;
    const include = options.include ?? (await readdir(options.contextDir));
    const query = {
      t: [...options.tags],
      dockerfile: options.dockerfile ?? 'Dockerfile',
      buildargs: { ...options.buildArgs },
      labels: { ...options.labels },
      // The classic builder: FROM is resolved against local images, as an offline build needs.
      version: '1',
      rm: true,
      // A failed or interrupted build leaves no intermediate container behind.
      forcerm: true,
      ...abortable(options.signal),
    };
    const context = { context: options.contextDir, src: [...include] };
    const messages = await this.progress(what, () => this.docker.buildImage(context, query as unknown as Docker.ImageBuildOptions) as Promise<Readable>, options);
    return messages.id ?? (await this.idOf(options.tags[0] ?? ''));
  }

  async tagImage(image: string, tag: string): Promise<void> {
    const { repository, tag: name } = splitImageName(tag);
    const target = this.docker.getImage(image);
    await this.api.call(`tag ${image} as ${tag}`, (abortSignal) => target.tag({ repo: repository, tag: name, abortSignal } as { repo: string; tag: string }), image);
  }

  async listImages(repository: string): Promise<readonly ImageInfo[]> {
    const images = await this.api.call(`list the images of ${repository}`, (abortSignal) =>
      this.docker.listImages({ filters: JSON.stringify({ reference: [repository] }), abortSignal } as Docker.ListImagesOptions),
    );
    return images
      .map((image) => ({
        id: image.Id,
        tags: (image.RepoTags ?? []).filter((tag) => splitImageName(tag).repository === repository).sort(),
        labels: { ...(image.Labels ?? {}) },
      }))
      .filter((image) => image.tags.length > 0);
  }

  async removeImage(tag: string): Promise<RemoveImageOutcome> {
    const image = this.docker.getImage(tag);
    try {
      await this.api.bounded(`remove image ${tag}`, (abortSignal) => image.remove({ abortSignal } as object));
      return 'removed';
    } catch (cause) {
      if (statusOf(cause) === 404) return 'absent';
      // 409: a container (running or stopped) still uses it; it stays, as `docker rmi` without -f leaves it.
      if (statusOf(cause) === 409) return 'in-use';
      throw this.api.apiError(`remove image ${tag}`, cause);
    }
  }

  private async idOf(image: string): Promise<string> {
    const info = await this.api.call(`inspect image ${image}`, (abortSignal) => this.docker.getImage(image).inspect({ abortSignal } as object), image);
    return info.Id;
  }

  /** Starts a streaming call and follows its progress messages to the end, failing on an error message. */
  private async progress(
    what: string,
    start: () => Promise<Readable>,
    options: { readonly onLine?: (line: string) => void; readonly signal?: AbortSignal },
  ): Promise<{ readonly id: string | undefined; readonly statuses: readonly string[] }> {
    options.signal?.throwIfAborted();
    const tail: string[] = [];
    const onLine = (line: string): void => {
      tail.push(line);
      if (tail.length > BUILD_LOG_TAIL_LINES) tail.shift();
      options.onLine?.(line);
    };
    let stream: Readable;
    try {
      stream = await start();
    } catch (cause) {
      if (options.signal?.aborted) throw options.signal.reason;
      // An engine that cannot be reached stays DOCKER_UNAVAILABLE; a refusal (no such Dockerfile) is the build's failure.
      const reason = this.api.apiError(what, cause);
      if (reason.code !== 'DOCKER_ERROR') throw reason;
      throw imageBuildFailed(what, cause instanceof Error ? cause.message : String(cause), tail, cause);
    }
    const result = await followMessages(stream, onLine, options.signal).catch((cause: unknown) => {
      if (options.signal?.aborted) throw options.signal.reason;
      throw imageBuildFailed(what, cause instanceof Error ? cause.message : String(cause), tail, cause);
    });
    if (result.error !== undefined) throw imageBuildFailed(what, result.error, tail);
    return result;
  }
}

/** dockerode's calls take an abort signal among their options. */
function abortable(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal === undefined ? {} : { abortSignal: signal };
}

/** Reads the engine's JSON progress messages: output lines, the image id, the first error. */
function followMessages(
  stream: Readable,
  onLine: (line: string) => void,
  signal: AbortSignal | undefined,
): Promise<{ id: string | undefined; statuses: string[]; error: string | undefined }> {
  return new Promise((resolve, reject) => {
    const messages = new LineBuffer();
    const output = new LineBuffer();
    const lines = (texts: readonly string[]): void => {
      for (const line of texts) if (line.trim() !== '') onLine(line);
    };
    const result: { id: string | undefined; statuses: string[]; error: string | undefined } = { id: undefined, statuses: [], error: undefined };
    const onMessage = (message: ProgressMessage): void => {
      if (message.aux?.ID !== undefined) result.id = message.aux.ID;
      if (message.status !== undefined) result.statuses.push(message.status);
      const text = message.stream ?? (message.error === undefined ? undefined : `${message.error}\n`);
      if (message.error !== undefined) result.error ??= message.errorDetail?.message ?? message.error;
      if (text === undefined) return;
      lines(output.push(text));
    };
    const onAbort = (): void => void stream.destroy();
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.setEncoding('utf8');
    const json = (texts: readonly string[]): void => {
      for (const text of texts) if (text.trim() !== '') onMessage(parseMessage(text.trim()));
    };
    stream.on('data', (chunk: string) => json(messages.push(chunk)));
    const finish = (error?: Error): void => {
      signal?.removeEventListener('abort', onAbort);
      json(messages.end());
      lines(output.end());
      if (error !== undefined) reject(error);
      else if (signal?.aborted) reject(new Error('aborted'));
      else resolve(result);
    };
    stream.once('end', () => finish());
    stream.once('error', (error) => finish(error));
    stream.once('close', () => finish(stream.readableEnded ? undefined : new Error('the engine closed the stream early')));
  });
}

function parseMessage(json: string): ProgressMessage {
  try {
    return JSON.parse(json) as ProgressMessage;
  } catch {
    return { stream: `${json}\n` };
  }
}
