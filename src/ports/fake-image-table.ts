// The fake container engine's images: an in-memory table of images and the names pointing at them,
// with the engine's rules (a name points at one image and moves when retagged; an image goes with
// its last name unless a container uses it; FROM resolves against local images only). Dockerfiles
// are read, not run: FROM, ARG, COPY (its sources must be in the context), LABEL, ENV are applied;
// RUN runs the FROM image's fake container (`/bin/sh -c <command>`), so it fails as its behaviour says.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { list } from 'tar';
import { SagesimError } from '../errors.js';
import type { BuildImageOptions, ImageInfo, ImportImageOptions, RemoveImageOutcome } from './container-engine.js';
import { imageBuildFailed, normalizeImageName, parseImportChanges, splitImageName } from './image-refs.js';

export interface FakeImage {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
  /** The image it was built FROM. */
  readonly parent: string | undefined;
  /** The name of the engine-given image (the fake's `images` option) at the root of its lineage, if any. */
  readonly root: string | undefined;
}

/** Runs `command` in a fake container of `image`; resolves with its exit code. */
export type FakeRunStep = (image: string, command: readonly string[], onLine: (line: string) => void, signal: AbortSignal | undefined) => Promise<number>;

export interface FakeImageTableOptions {
  /** Whether the engine was given this image from the start (the fake's `images` option). */
  readonly given: (name: string) => boolean;
  /** Whether a container (running or not) uses the image of this id. */
  readonly inUse: (id: string) => boolean;
  readonly runStep: FakeRunStep;
}

/** One Dockerfile instruction, continuation lines joined. */
interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** What a build has made so far. */
interface BuildState {
  from: FakeImage | undefined;
  labels: Record<string, string>;
  env: Record<string, string>;
  readonly args: Record<string, string>;
  readonly digest: ReturnType<typeof createHash>;
}

export class FakeImageTable {
  private readonly byId = new Map<string, FakeImage>();
  private readonly names = new Map<string, string>();

  constructor(private readonly options: FakeImageTableOptions) {}

  /** The image a name (or id) points at: one of the table's, or one the engine was given. */
  resolve(name: string): FakeImage | undefined {
    const id = this.names.get(normalizeImageName(name)) ?? (this.byId.has(name) ? name : undefined);
    if (id !== undefined) return this.byId.get(id);
    if (!this.options.given(name)) return undefined;
    const given: FakeImage = { id: `sha256:${sha256(`given:${name}`)}`, labels: {}, env: {}, parent: undefined, root: name };
    this.byId.set(given.id, given);
    this.names.set(normalizeImageName(name), given.id);
    return given;
  }

  /** Whether the table has this name or id (given images only once used). */
  has(name: string): boolean {
    return this.names.has(normalizeImageName(name)) || this.byId.has(name);
  }

  async importImage(rootfsTarPath: string, options: ImportImageOptions): Promise<string> {
    options.signal?.throwIfAborted();
    const what = `importing ${rootfsTarPath} as ${options.tag}`;
    const changes = parseImportChanges(options.changes ?? []);
    let entries = 0;
    try {
      await list({ file: rootfsTarPath, strict: true, onReadEntry: () => void (entries += 1) });
    } catch (cause) {
      throw imageBuildFailed(what, `${rootfsTarPath} is not a readable tar archive`, [], cause);
    }
    if (entries === 0) throw imageBuildFailed(what, `${rootfsTarPath} holds no files`, []);
    const content = await readFile(rootfsTarPath);
    const id = `sha256:${sha256(`import:${sha256(content)}:${JSON.stringify(changes)}`)}`;
    this.byId.set(id, { id, labels: {}, env: { ...changes.env }, parent: undefined, root: undefined });
    this.names.set(normalizeImageName(options.tag), id);
    return id;
  }

  async buildImage(options: BuildImageOptions): Promise<string> {
    const what = `building ${options.tags[0] ?? 'an image'}`;
    const tail: string[] = [];
    const onLine = (line: string): void => {
      tail.push(line);
      options.onLine?.(line);
    };
    options.signal?.throwIfAborted();
    const text = await readFile(path.join(options.contextDir, options.dockerfile ?? 'Dockerfile'), 'utf8').catch((cause: unknown) => {
      throw imageBuildFailed(what, `cannot read the Dockerfile ${options.dockerfile ?? 'Dockerfile'} in ${options.contextDir}`, [], cause);
    });
    const instructions = parseDockerfile(text);
    const state: BuildState = { from: undefined, labels: {}, env: {}, args: {}, digest: createHash('sha256') };
    for (const [index, instruction] of instructions.entries()) {
      onLine(`Step ${index + 1}/${instructions.length} : ${instruction.keyword} ${instruction.args}`);
      const failure = await this.apply(instruction, state, options, onLine);
      if (failure !== undefined) throw imageBuildFailed(what, failure, tail);
      if (options.signal?.aborted) throw options.signal.reason;
    }
    if (state.from === undefined) throw imageBuildFailed(what, 'the Dockerfile has no FROM', tail);
    const labels = { ...state.labels, ...options.labels };
    state.digest.update(JSON.stringify({ labels, buildArgs: options.buildArgs ?? {} }));
    const id = `sha256:${state.digest.digest('hex')}`;
    this.byId.set(id, { id, labels, env: state.env, parent: state.from.id, root: state.from.root });
    onLine(`Successfully built ${id.slice(7, 19)}`);
    for (const tag of options.tags) {
      this.names.set(normalizeImageName(tag), id);
      onLine(`Successfully tagged ${normalizeImageName(tag)}`);
    }
    return id;
  }

  /** Applies one instruction; returns why the build fails, if it does. */
  private async apply(instruction: Instruction, state: BuildState, options: BuildImageOptions, onLine: (line: string) => void): Promise<string | undefined> {
    const args = substitute(instruction.args, { ...state.args, ...state.env });
    state.digest.update(`${instruction.keyword} ${args}\n`);
    switch (instruction.keyword) {
      case 'ARG': {
        const [name = '', ...value] = args.split('=');
        state.args[name] = options.buildArgs?.[name] ?? value.join('=');
        return undefined;
      }
      case 'FROM': {
        state.from = this.resolve(args.split(/\s+/)[0] ?? '');
        if (state.from === undefined) return `image ${args} is not present locally (FROM resolves against local images only: no registry is asked)`;
        state.labels = { ...state.from.labels };
        state.env = { ...state.from.env };
        return undefined;
      }
      case 'LABEL':
      case 'ENV':
        Object.assign(instruction.keyword === 'LABEL' ? state.labels : state.env, keyValues(args));
        return undefined;
      case 'COPY':
        return copySources(args, options, state);
      case 'RUN': {
        if (state.from === undefined) return 'RUN before FROM';
        const code = await this.options.runStep(state.from.id, ['/bin/sh', '-c', args], onLine, options.signal);
        return code === 0 ? undefined : `The command '/bin/sh -c ${args}' returned a non-zero code: ${code}`;
      }
      case 'CMD':
      case 'ENTRYPOINT':
      case 'EXPOSE':
      case 'WORKDIR':
      case 'USER':
        return undefined;
      default:
        return `unknown instruction: ${instruction.keyword}`;
    }
  }

  /** Points `tag` at `image`, moving it off any other. */
  tag(image: string, tag: string): void {
    const target = this.resolve(image);
    if (target === undefined) throw new SagesimError('IMAGE_NOT_FOUND', `image ${image} is not present in the fake container engine`, { source: 'user' });
    this.names.set(normalizeImageName(tag), target.id);
  }

  list(repository: string): readonly ImageInfo[] {
    const images = new Map<string, string[]>();
    for (const [name, id] of this.names) {
      if (splitImageName(name).repository !== repository) continue;
      images.set(id, [...(images.get(id) ?? []), name]);
    }
    return [...images].map(([id, tags]) => ({ id, tags: tags.sort(), labels: { ...this.byId.get(id)?.labels } }));
  }

  remove(tag: string): RemoveImageOutcome {
    const name = normalizeImageName(tag);
    const id = this.names.get(name);
    if (id === undefined) return 'absent';
    const lastName = ![...this.names].some(([other, otherId]) => other !== name && otherId === id);
    if (lastName && this.options.inUse(id)) return 'in-use';
    this.names.delete(name);
    // An image others were built FROM stays, untagged, as the engine keeps it.
    const hasChildren = [...this.byId.values()].some((image) => image.parent === id);
    if (lastName && !hasChildren) this.byId.delete(id);
    return 'removed';
  }
}

/** Instructions of a Dockerfile: comments and blank lines dropped, `\` continuations joined. */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const whole = (pending + line).trim();
    pending = '';
    const space = whole.search(/\s/);
    instructions.push({ keyword: (space < 0 ? whole : whole.slice(0, space)).toUpperCase(), args: space < 0 ? '' : whole.slice(space + 1).trim() });
  }
  return instructions;
}

/** `${NAME}` and `$NAME` from the build's ARG and ENV values (unknown ones become empty). */
function substitute(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, braced: string | undefined, bare: string | undefined) => values[braced ?? bare ?? ''] ?? '');
}

/** `a=1 b="two words"` (and the old `key value` form) as an object. */
function keyValues(args: string): Record<string, string> {
  const result: Record<string, string> = {};
  if (!args.includes('=')) {
    const [key = '', ...value] = args.split(/\s+/);
    result[key] = value.join(' ');
    return result;
  }
  for (const match of args.matchAll(/([^\s=]+)=("((?:[^"\\]|\\.)*)"|\S*)/g)) {
    result[match[1] ?? ''] = match[3] ?? match[2] ?? '';
  }
  return result;
}

/** Checks each COPY source is in the context; their bytes go into the image id. */
async function copySources(args: string, options: BuildImageOptions, state: BuildState): Promise<string | undefined> {
  const words = args.split(/\s+/).filter((word) => !word.startsWith('--'));
  for (const source of words.slice(0, -1)) {
    const inContext = options.include === undefined || options.include.some((entry) => source === entry || source.startsWith(`${entry.replace(/\/$/, '')}/`));
    const file = path.join(options.contextDir, source);
    const found = inContext ? await stat(file).catch(() => undefined) : undefined;
    if (found === undefined) return `COPY failed: file not found in build context: stat ${source}: file does not exist`;
    if (found.isFile()) state.digest.update(await readFile(file));
  }
  return undefined;
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
