import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Problem } from './errors.js';
import { MAX_FILE_BYTES } from './yaml-source.js';

/*
 * Rollout and config files are read as regular files only, and never past
 * the size cap. A FIFO in the rollouts dir used to hang the loader (open
 * blocks until a writer shows up, and a read until it writes), and
 * /dev/zero read 512 MB before failing. So: open with O_NONBLOCK (a FIFO
 * opens at once), fstat the descriptor that was opened (not the path: it may
 * have been swapped in between) and refuse anything but a regular file, then
 * read at most the cap plus one byte, whatever the size said.
 */

const CAP_TEXT = '1 MiB';

/** The file's text, or a problem (missing, unreadable, not a regular file, too large). */
export async function readSource(path: string): Promise<string | Problem> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return { path, line: 0, col: 0, message: fsMessage(err) };
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) return { path, line: 0, col: 0, message: 'is a directory, expected a file' };
    if (!info.isFile()) return { path, line: 0, col: 0, message: 'not a regular file' };
    if (info.size > MAX_FILE_BYTES) return tooLarge(path);
    // a file that grows while read (or lies about its size) is still cut at the cap; the buffer
    // is sized by the file, so a thousand small rollouts do not each hold a MiB
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.alloc(
        Math.min(Math.max(info.size + 1 - length, 4096), MAX_FILE_BYTES + 1 - length),
      );
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, length);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      length += bytesRead;
      if (length > MAX_FILE_BYTES) return tooLarge(path);
    }
    return Buffer.concat(chunks, length).toString('utf8');
  } catch (err) {
    return { path, line: 0, col: 0, message: fsMessage(err) };
  } finally {
    await handle.close();
  }
}

function tooLarge(path: string): Problem {
  return {
    path,
    line: 1,
    col: 1,
    message: `larger than ${CAP_TEXT}, the limit for a rollout or config file`,
  };
}

/** A short, stable description of a file system error (no stack, no errno noise). */
export function fsMessage(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'not a directory';
    case 'ELOOP':
      return 'too many symbolic links';
    case 'EISDIR':
      return 'is a directory, expected a file';
    default:
      return `cannot read: ${err instanceof Error ? err.message : String(err)}`;
  }
}
