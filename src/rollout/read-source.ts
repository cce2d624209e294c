import { readFile, stat } from 'node:fs/promises';
import type { Problem } from './errors.js';
import { MAX_FILE_BYTES } from './yaml-source.js';

/** The file's text, or a problem (missing, unreadable, too large). */
export async function readSource(path: string): Promise<string | Problem> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) return { path, line: 0, col: 0, message: 'is a directory, expected a file' };
    if (info.size > MAX_FILE_BYTES) {
      return { path, line: 1, col: 1, message: `file is too large: ${info.size} bytes, the limit is 1 MiB` };
    }
    return await readFile(path, 'utf8');
  } catch (err) {
    return { path, line: 0, col: 0, message: fsMessage(err) };
  }
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
    default:
      return `cannot read: ${err instanceof Error ? err.message : String(err)}`;
  }
}
