// The content hash of an image's files under containers/: 12 hex digits, those of the shell
// pipeline the first image build used (`find ... -print0 | LC_ALL=C sort -z | xargs -0 sha256sum |
// sha256sum`), so images built by it stay up to date. The build, `images ls` and the check before a
// run ask the engine for `sagesim/<name>:<hash>`.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Files left out of the hash. */
function ignored(name: string): boolean {
  return name.endsWith('.pyc') || name === '.DS_Store' || name === '__pycache__';
}

/** Regular files under `dir` (symbolic links are not followed, as `find -type f` does not), relative to `root`. */
async function filesUnder(root: string, dir: string): Promise<string[]> {
  const entries = await readdir(path.join(root, dir), { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    if (ignored(entry.name)) continue;
    const relative = `${dir}/${entry.name}`;
    if (entry.isDirectory()) files.push(...(await filesUnder(root, relative)));
    else if (entry.isFile()) files.push(relative);
  }
  return files;
}

/** One line of `sha256sum`'s output, with its escaping of backslashes and newlines in names. */
function sumLine(digest: string, name: string): string {
  if (!/[\\\n]/.test(name)) return `${digest}  ${name}\n`;
  return `\\${digest}  ${name.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n`;
}

/** The hash of the files under `folders` (relative to `root`, e.g. containers/). */
export async function contentHash(root: string, folders: readonly string[]): Promise<string> {
  const files = (await Promise.all(folders.map((folder) => filesUnder(root, folder)))).flat();
  // LC_ALL=C sort: by bytes.
  files.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const listing = createHash('sha256');
  for (const file of files) {
    const digest = createHash('sha256').update(await readFile(path.join(root, file))).digest('hex');
    listing.update(sumLine(digest, file));
  }
  return listing.digest('hex').slice(0, 12);
}
