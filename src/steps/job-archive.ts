// A job folder packed into one tar.gz and uploaded (model.tar.gz, output.tar.gz), as SageMaker packs
// /opt/ml/model and /opt/ml/output/data after a training job.
import { lstat, readdir, readlink, writeFile } from 'node:fs/promises';
import { Stats } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { create as createTar, type ReadEntry } from 'tar';
import { infrastructureFailure, uploadFileTo, type JobContext } from './job-container.js';

/**
 * Packs a folder's contents (entries at the archive's root, as SageMaker does) and uploads it.
 * Links are packed as links, never followed (tar runs in the job's own filesystem in SageMaker);
 * FIFOs, sockets and devices are left out (reading a FIFO would hang the step) and logged.
 */
export async function packAndUpload(context: JobContext, dir: string, tarball: string, s3Uri: string): Promise<void> {
  const what = path.basename(tarball);
  try {
    const entries = (await hasEntries(context, dir, what)) ? await readdir(dir) : [];
    if (entries.length === 0) {
      // An empty tar archive is 1024 zero bytes; node-tar refuses to write one.
      await writeFile(tarball, gzipSync(Buffer.alloc(1024)));
    } else {
      const packable = (entry: string, info: Stats | ReadEntry): boolean => {
        // Packing gets the lstat of each entry (a ReadEntry only when extracting).
        if (!(info instanceof Stats) || info.isFile() || info.isDirectory() || info.isSymbolicLink()) return true;
        context.log(`[sagesim] ${what}: not packed: ${entry}: not a regular file (a FIFO, socket or device)`);
        return false;
      };
      await createTar({ gzip: true, file: tarball, cwd: dir, portable: true, filter: packable }, entries);
    }
  } catch (error) {
    throw infrastructureFailure(context.stepName, `pack ${dir} into ${what}`, error);
  }
  await uploadFileTo(context, tarball, s3Uri);
}

/**
 * Whether a folder the container could have replaced holds anything to pack. A folder that is now
 * a link (`rm -r /opt/ml/output/data; ln -s / /opt/ml/output/data`) would make the host pack its
 * own files: it counts as empty, and the step's log says so.
 */
export async function hasEntries(context: Pick<JobContext, 'log'>, dir: string, what: string): Promise<boolean> {
  const info = await lstat(dir).catch(() => undefined);
  if (info === undefined) return false;
  if (info.isSymbolicLink()) {
    context.log(`[sagesim] ${what}: not packed: the folder ${path.basename(dir)} is a symbolic link (to ${await readlink(dir)})`);
    return false;
  }
  return info.isDirectory() && (await readdir(dir)).length > 0;
}
