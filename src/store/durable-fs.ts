import { open, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/*
 * The few durable filesystem moves the file store is built on: once one
 * resolves, a SIGKILL or power cut cannot undo it. Kept here so the reasoning
 * about fsync lives in one place.
 */

export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return undefined;
}

/**
 * fsync a directory so the entries created, renamed or removed in it survive a
 * crash. Platforms that cannot open or sync a directory (Windows) have nothing
 * to flush this way; that is not an error.
 */
export async function fsyncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (err) {
    const code = errnoCode(err);
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw err;
  } finally {
    await handle?.close();
  }
}

/** mkdir -p, then fsync the parent of every directory it created. */
export async function ensureDir(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  // `first` is the top-most directory created; sync it and every one below it
  // into its parent.
  let current = dir;
  for (;;) {
    await fsyncDir(dirname(current));
    if (current === first || dirname(current) === current) break;
    current = dirname(current);
  }
}

/**
 * Append one line (the caller's text, without newline) durably. O_APPEND makes
 * each write land at the end even with several writers (the controller and an
 * operator command); the whole line goes in one write. A previous writer killed
 * mid-line leaves no trailing newline: start on a fresh line then, so the torn
 * fragment stays alone on its line and cannot swallow this entry.
 */
export async function appendLineDurable(file: string, line: string): Promise<void> {
  const handle = await open(file, 'a+', 0o644);
  try {
    const { size } = await handle.stat();
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    await handle.appendFile(`${prefix}${line}\n`, 'utf8');
    await handle.datasync();
    // a new file's directory entry must be durable too, or the whole history could vanish
    if (size === 0) await fsyncDir(dirname(file));
  } finally {
    await handle.close();
  }
}
