// `sagesim s3 ls [uri] | cat <uri> | cp <src> <dst>`: inspect and seed the S3 a run stages
// through (the embedded emulator with its data in the home, or --s3-endpoint / AWS_ENDPOINT_URL).
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Command } from 'commander';
import { resolveConfig } from '../../config.js';
import { SagesimError } from '../../errors.js';
import { type ObjectInfo, formatS3Uri, joinS3, parseS3Uri } from '../../ports/object-store.js';
import type { S3ObjectStore } from '../../mock-aws/s3-object-store.js';
import { formatTimestamp } from '../../history/format-time.js';
import { downloadFile, downloadPrefix, uploadDir, uploadFile } from '../../steps/staging.js';
import { type CliIo, EXIT, ExitCode } from '../cli-io.js';
import { onStopSignal } from '../stop-signals.js';
import type { CommandModule } from './index.js';

interface StoreFlags {
  readonly home?: string;
  readonly config?: string;
  readonly s3Endpoint?: string;
}

interface LsFlags extends StoreFlags {
  readonly recursive?: boolean;
  readonly json?: boolean;
}

interface CpFlags extends StoreFlags {
  readonly recursive?: boolean;
}

export const s3Command: CommandModule = {
  register(program: Command, io: CliIo): void {
    const s3 = program
      .command('s3')
      .description('inspect and seed the S3 that runs stage through (the embedded S3 in mock mode)');
    withStore(
      s3
        .command('ls')
        .description('list buckets, or the objects and folders under an s3:// prefix')
        .argument('[uri]', 's3://bucket[/prefix]')
        .option('-r, --recursive', 'every object under the prefix, not one folder level')
        .option('--json', 'print ListBuckets / ListObjectsV2 shapes (Buckets, or Contents and CommonPrefixes) as JSON'),
    ).action(async (uri: string | undefined, flags: LsFlags) => {
      await withObjectStore(flags, io, (store) =>
        uri === undefined ? listBuckets(store, io, flags.json === true) : listObjects(store, uri, flags.recursive === true, io, flags.json === true),
      );
    });
    withStore(s3.command('cat').description('print an object (as UTF-8 text)').argument('<uri>', 's3://bucket/key')).action(
      async (uri: string, flags: StoreFlags) => {
        await withObjectStore(flags, io, (store) => cat(store, uri, io));
      },
    );
    withStore(
      s3
        .command('cp')
        .description('copy a file or folder to S3, an object or prefix from S3, or between S3 URIs')
        .argument('<src>', 'local path or s3:// URI')
        .argument('<dst>', 'local path or s3:// URI')
        .option('-r, --recursive', 'copy a whole folder, or every object under a prefix'),
    ).action(async (src: string, dst: string, flags: CpFlags) => {
      await withObjectStore(flags, io, (store) => untilStopped(io, (signal) => copy(store, src, dst, flags.recursive === true, io, signal)));
    });
  },
};

function withStore(command: Command): Command {
  return command
    .option('--home <dir>', 'sagesim home holding the embedded S3 data (default .sagesim, or SAGESIM_HOME)')
    .option('--config <file>', 'config file (default ./sagesim.config.json)')
    .option('--s3-endpoint <url>', 'use this S3 (LocalStack, MinIO...) instead of the embedded emulator (default AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL)');
}

async function withObjectStore(flags: StoreFlags, io: CliIo, run: (store: S3ObjectStore) => Promise<void>): Promise<void> {
  const config = resolveConfig(
    {
      cwd: io.cwd,
      ...(flags.home === undefined ? {} : { home: flags.home }),
      ...(flags.config === undefined ? {} : { configFile: flags.config }),
      ...(flags.s3Endpoint === undefined ? {} : { s3Endpoint: flags.s3Endpoint }),
    },
    io.env,
  );
  const { createObjectStore } = await import('../../mock-aws/s3-client.js'); // the AWS SDK loads on use
  await using store = await createObjectStore(config);
  await run(store);
}

async function listBuckets(store: S3ObjectStore, io: CliIo, json: boolean): Promise<void> {
  // Newest first, as every listing (objects below stay in key order, as `aws s3 ls` lists them).
  const buckets = [...(await store.listBuckets())].sort((a, b) => (b.creationDate?.getTime() ?? 0) - (a.creationDate?.getTime() ?? 0));
  if (json) {
    io.stdout.write(`${JSON.stringify({ Buckets: buckets.map((b) => ({ Name: b.name, ...(b.creationDate ? { CreationDate: b.creationDate.toISOString() } : {}) })) }, null, 2)}\n`);
    return;
  }
  for (const bucket of buckets) io.stdout.write(`${formatDate(bucket.creationDate)} ${bucket.name}\n`);
}

/**
 * Like `aws s3 ls`: one folder level (`PRE name/` lines, then objects) named relative to the
 * prefix's last slash, or with --recursive every object by its full key.
 */
async function listObjects(store: S3ObjectStore, uri: string, recursive: boolean, io: CliIo, json = false): Promise<void> {
  const { bucket, key: prefix } = parseS3Uri(uri);
  const objects = await store.list(uri);
  if (recursive) {
    if (json) io.stdout.write(objectsJson(bucket, prefix, objects, []));
    else for (const object of objects) io.stdout.write(objectLine(object, object.key));
    return;
  }
  const base = prefix.slice(0, prefix.lastIndexOf('/') + 1);
  const folders = new Set<string>();
  const files: ObjectInfo[] = [];
  for (const object of objects) {
    const rest = object.key.slice(base.length);
    const slash = rest.indexOf('/', prefix.length - base.length);
    if (slash === -1) files.push(object);
    else folders.add(rest.slice(0, slash + 1));
  }
  if (json) {
    io.stdout.write(objectsJson(bucket, prefix, files, [...folders].map((folder) => base + folder)));
    return;
  }
  for (const folder of folders) io.stdout.write(`${' '.repeat(30)} PRE ${folder}\n`);
  for (const object of files) io.stdout.write(objectLine(object, object.key.slice(base.length)));
}

/** The ListObjectsV2 shape, keys in full, so scripts that read `aws s3api` output read this too. */
function objectsJson(bucket: string, prefix: string, objects: readonly ObjectInfo[], folders: readonly string[]): string {
  const contents = objects.map((o) => ({ Key: o.key, Size: o.size, ...(o.lastModified ? { LastModified: o.lastModified.toISOString() } : {}) }));
  return `${JSON.stringify({ Name: bucket, Prefix: prefix, Contents: contents, CommonPrefixes: folders.map((p) => ({ Prefix: p })) }, null, 2)}\n`;
}

function objectLine(object: ObjectInfo, name: string): string {
  return `${formatDate(object.lastModified)} ${String(object.size).padStart(10)} ${name}\n`;
}

/** The one timestamp convention of every listing: local `YYYY-MM-DD HH:MM:SS` (ISO-8601 UTC in --json). */
function formatDate(date: Date | undefined): string {
  return date ? formatTimestamp(date.toISOString()) : ' '.repeat(19);
}

async function cat(store: S3ObjectStore, uri: string, io: CliIo): Promise<void> {
  const decoder = new StringDecoder('utf8');
  for await (const chunk of await store.getStream(uri)) io.stdout.write(decoder.write(chunk as Buffer));
  const rest = decoder.end();
  if (rest) io.stdout.write(rest);
}

/**
 * Runs a transfer that SIGINT (Ctrl-C) or SIGTERM stops: the upload in progress is aborted on S3
 * (its parts removed) before the command ends with exit code 1, so nothing is left half-written.
 */
async function untilStopped(io: CliIo, run: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const controller = new AbortController();
  const release = onStopSignal(io, (signal) => {
    if (controller.signal.aborted) return;
    io.stderr.write(`\n${signal}: stopping the copy (an upload in progress is aborted)...\n`);
    controller.abort(Object.assign(new Error(`stopped by ${signal}`), { name: 'AbortError' }));
  });
  try {
    await run(controller.signal);
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    io.stderr.write('stopped: the copy did not finish; nothing half-uploaded was left in S3\n');
    throw new ExitCode(EXIT.failed);
  } finally {
    release();
  }
}

async function copy(store: S3ObjectStore, src: string, dst: string, recursive: boolean, io: CliIo, signal: AbortSignal): Promise<void> {
  const fromS3 = src.startsWith('s3://');
  const toS3 = dst.startsWith('s3://');
  if (!fromS3 && !toS3) {
    throw new SagesimError('INVALID_ARGUMENT', 'one of <src> and <dst> must be an s3:// URI', { source: 'user', hint: 'use cp(1) to copy between local paths' });
  }
  if (fromS3 && toS3) return copyWithinS3(store, src, dst, recursive, io, signal);
  if (toS3) return upload(store, path.resolve(io.cwd, src), dst, recursive, io, signal);
  return download(store, src, path.resolve(io.cwd, dst), recursive, io, signal);
}

async function upload(store: S3ObjectStore, local: string, uri: string, recursive: boolean, io: CliIo, signal: AbortSignal): Promise<void> {
  const info = await stat(local).catch(() => undefined);
  if (!info) throw new SagesimError('FILE_NOT_FOUND', `no such file or folder: ${local}`, { source: 'user' });
  if (info.isDirectory()) {
    if (!recursive) {
      throw new SagesimError('INVALID_ARGUMENT', `${local} is a folder`, { source: 'user', hint: 'add --recursive to upload every file under it' });
    }
    // The user's own folder: links are followed, as `aws s3 cp` follows them.
    const summary = await uploadDir(store, local, uri, { signal, links: 'follow' });
    io.stdout.write(`upload: ${summary.files} files (${summary.bytes} bytes) from ${local} to ${joinS3(uri)}/\n`);
    return;
  }
  // `s3://bucket/dir/` (or a bare bucket) takes the file's name, as `aws s3 cp` does.
  const { bucket, key } = parseS3Uri(uri);
  const target = key === '' || key.endsWith('/') ? formatS3Uri(bucket, `${key}${path.basename(local)}`) : uri;
  await uploadFile(store, local, target, { signal });
  io.stdout.write(`upload: ${local} to ${target}\n`);
}

async function download(store: S3ObjectStore, uri: string, local: string, recursive: boolean, io: CliIo, signal: AbortSignal): Promise<void> {
  if (recursive) {
    // The prefix is a folder, as in `aws s3 cp --recursive`: keys land relative to it.
    const folder = uri.endsWith('/') ? uri : `${uri}/`;
    const summary = await downloadPrefix(store, folder, local, { signal });
    io.stdout.write(`download: ${summary.files} files (${summary.bytes} bytes) from ${folder} to ${local}\n`);
    return;
  }
  const { key } = parseS3Uri(uri);
  const isDir = (await stat(local).catch(() => undefined))?.isDirectory() === true;
  const target = isDir || local.endsWith(path.sep) ? path.join(local, path.posix.basename(key)) : local;
  await downloadFile(store, uri, target, { signal });
  io.stdout.write(`download: ${uri} to ${target}\n`);
}

async function copyWithinS3(store: S3ObjectStore, src: string, dst: string, recursive: boolean, io: CliIo, signal: AbortSignal): Promise<void> {
  if (!recursive) {
    await store.put(dst, await store.getStream(src, { signal }), { signal });
    io.stdout.write(`copy: ${src} to ${dst}\n`);
    return;
  }
  const folder = src.endsWith('/') ? src : `${src}/`;
  const { key: prefix } = parseS3Uri(folder);
  const objects = (await store.list(folder)).filter((object) => !object.key.endsWith('/'));
  for (const object of objects) await store.put(joinS3(dst, object.key.slice(prefix.length)), await store.getStream(object.uri, { signal }), { signal });
  io.stdout.write(`copy: ${objects.length} objects from ${folder} to ${joinS3(dst)}/\n`);
}
