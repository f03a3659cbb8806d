// sagesim/base: a Debian bookworm root file system made with debootstrap (containers/base/
// make-rootfs.sh, cached as a tarball so that it is made once) and imported through the port; or,
// where debootstrap cannot run (macOS, not root) or SAGESIM_BASE_METHOD=dockerfile, built FROM
// debian:bookworm-slim (base/Dockerfile.fallback), which needs an image registry.
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { SagesimError } from '../errors.js';
import { contentHash } from './content-hash.js';
import type { BuildEnv, ImageBuildContext } from './image-build-context.js';
import { makeRootfs } from './make-rootfs.js';
import { pruneOldTags } from './prune-images.js';

/** What `docker import` is told, as the shell build did: a PATH, a UTF-8 locale, bash. */
const IMPORT_CHANGES = ['ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'ENV LANG=C.UTF-8', 'CMD ["/bin/bash"]'];

export type BaseMethod = 'debootstrap' | 'dockerfile';

/** The base image's name for these contents, `sagesim/base:<hash>`. */
export async function baseTagOf(context: ImageBuildContext): Promise<{ readonly tag: string; readonly hash: string; readonly repository: string }> {
  const hash = await contentHash(context.dir, ['base']);
  const repository = `${context.prefix}/base`;
  return { tag: `${repository}:${hash}`, hash, repository };
}

/** Makes the base image unless it is present (or `force`); resolves with its tag. */
export async function ensureBaseImage(context: ImageBuildContext): Promise<string> {
  const { tag, hash, repository } = await baseTagOf(context);
  if (!context.force && (await context.engine.hasImage(tag))) {
    context.say(`${repository}: up to date (${hash})`);
    return tag;
  }
  const method = baseMethodOf(context.env);
  if (method === 'debootstrap') {
    const tarball = await rootfsTarball(context, hash, repository);
    context.say(`${repository}: importing into Docker as ${tag}`);
    await context.engine.importImage(tarball, { tag, changes: IMPORT_CHANGES, ...(context.signal ? { signal: context.signal } : {}) });
  } else {
    context.say(`${repository}: debootstrap not available (or not root): building FROM debian:bookworm-slim with apt-get; this needs a reachable image registry`);
    await context.engine.buildImage({
      contextDir: context.dir,
      include: ['base'],
      dockerfile: 'base/Dockerfile.fallback',
      tags: [tag],
      ...(context.signal ? { signal: context.signal } : {}),
    });
  }
  await context.engine.tagImage(tag, `${repository}:latest`);
  context.say(`${repository}: built ${tag}`);
  await pruneOldTags(context.engine, repository, hash);
  return tag;
}

/** SAGESIM_BASE_METHOD, else debootstrap when it is installed and this process is root. */
export function baseMethodOf(env: BuildEnv): BaseMethod {
  const chosen = env.SAGESIM_BASE_METHOD;
  if (chosen === 'debootstrap' || chosen === 'dockerfile') return chosen;
  if (chosen) {
    throw new SagesimError('INVALID_CONFIG', `SAGESIM_BASE_METHOD must be debootstrap or dockerfile, got ${chosen}`, {
      source: 'user',
      hint: 'unset it to let sagesim choose (debootstrap when installed and run as root)',
    });
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  return isRoot && onPath('debootstrap', env) ? 'debootstrap' : 'dockerfile';
}

/** The cached root file system tarball of these base contents, made first when missing. */
async function rootfsTarball(context: ImageBuildContext, hash: string, repository: string): Promise<string> {
  const tarball = path.join(context.cacheDir, `rootfs-${hash}.tar`);
  if (existsSync(tarball)) {
    context.say(`${repository}: using cached root filesystem ${tarball}`);
    return tarball;
  }
  await mkdir(context.cacheDir, { recursive: true });
  context.say(`${repository}: building a Debian bookworm root filesystem with debootstrap (takes a few minutes)`);
  await makeRootfs(context, tarball, repository);
  // Older root file systems are of no further use.
  for (const entry of await readdir(context.cacheDir)) {
    if (/^rootfs-.*\.tar$/.test(entry) && entry !== path.basename(tarball)) await rm(path.join(context.cacheDir, entry), { force: true });
  }
  return tarball;
}

function onPath(command: string, env: BuildEnv): boolean {
  return (env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && existsSync(path.join(dir, command)));
}
