// Beside each record being written: room set aside so that the record can still be written when a
// step fills the disk. Kept while the execution runs, given up once it has finished.
import { rm, unlink, writeFile } from 'node:fs/promises';

const RESERVE_MIN_BYTES = 256 * 1024;

/** How much room to keep for a record: a few times its size, at least 256 KiB. */
export function reserveBytesFor(recordJson: string): number {
  return Math.max(RESERVE_MIN_BYTES, 4 * recordJson.length);
}

/** Writes the reserve file; a disk already too full for it simply gets none. */
export async function keepReserve(file: string, bytes: number): Promise<void> {
  try {
    await writeFile(file, Buffer.alloc(bytes, 0x20));
  } catch {
    await rm(file, { force: true }).catch(() => undefined);
  }
}

/** Removes the reserve; true when there was one (space was freed). */
export async function giveUpReserve(file: string): Promise<boolean> {
  try {
    await unlink(file);
    return true;
  } catch {
    return false;
  }
}
