// Where the shipped containers/ folder is: found from this module's own location (src/images or
// dist/images), never from the working directory, so sagesim works from any folder and as a package.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SagesimError } from '../errors.js';

/** The absolute path of the package's `containers/` folder (the one holding images.json). */
export function containersDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'containers');
    if (existsSync(path.join(candidate, 'images.json')) && existsSync(path.join(candidate, 'base', 'make-rootfs.sh'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new SagesimError('CONTAINERS_NOT_FOUND', `cannot find sagesim's containers/ folder above ${fileURLToPath(import.meta.url)}`, {
        hint: 'reinstall sagesim: its package ships containers/ next to dist/',
      });
    }
    dir = parent;
  }
}
