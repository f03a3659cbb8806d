// Reads a small text file a container left in a folder mounted from the host (/opt/ml/output/message,
// /opt/ml/output/failure). The container controls what is there: a link would make the host read
// its own files (and show them as ExitMessage), a FIFO would block the reader forever.
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** At most this much of the file is read. */
export const CONTAINER_TEXT_MAX_BYTES = 16 * 1024;

/**
 * The file's text, when it is a non-empty regular file (not a link, FIFO, socket or device);
 * otherwise undefined. `onSkipped` hears why a file that is there was not read.
 */
export async function readContainerTextFile(
  file: string,
  onSkipped?: (reason: string) => void,
  maxBytes = CONTAINER_TEXT_MAX_BYTES,
): Promise<string | undefined> {
  let handle;
  try {
    // O_NOFOLLOW: a link fails with ELOOP instead of being followed; O_NONBLOCK: opening a FIFO
    // returns at once instead of waiting for a writer.
    handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EMLINK') onSkipped?.(`${file} is a symbolic link: not read`);
    else if (code !== 'ENOENT' && code !== 'ENOTDIR') onSkipped?.(`${file} could not be read (${code ?? String(error)})`);
    return undefined;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      onSkipped?.(`${file} is not a regular file: not read`);
      return undefined;
    }
    const buffer = Buffer.alloc(Math.min(maxBytes, info.size));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    return text.trim() === '' ? undefined : text;
  } finally {
    await handle.close();
  }
}
