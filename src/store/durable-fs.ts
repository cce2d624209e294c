import { close, fdatasync, fstat, fsync, open, read, readFile, write } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

/*
 * The few durable filesystem moves the file store is built on: once one
 * resolves, a SIGKILL or power cut cannot undo it. Kept here so the reasoning
 * about fsync lives in one place.
 *
 * Every call is a handful of syscalls and nothing more: the store makes
 * thousands of these per pass over a thousand rollouts (see the benchmark in
 * docs/benchmarks.md), so each one counts. Files are used through plain descriptors
 * and the callback API (promisified), not FileHandle: on Node 20 a FileHandle
 * call costs the main thread about twice the CPU of the same syscall through
 * the callback API (measured: 3,000 open/stat/read/append/fdatasync/close
 * rounds, 0.48–0.62 s of user CPU with FileHandle, 0.31–0.34 s with fds).
 */

export const openFd = promisify(open);
export const closeFd = promisify(close);
const fstatFd = promisify(fstat);
const readFd = promisify(read);
const writeFd = promisify(write);
const fdatasyncFd = promisify(fdatasync);
const fsyncFd = promisify(fsync);
const readFileCb = promisify(readFile);

/** A whole file as UTF-8 text (callback readFile: one native open/stat/read/close sequence). */
export function readTextFile(path: string): Promise<string> {
  return readFileCb(path, 'utf8');
}

/** Runs `use` on `path` opened with `flags`, and closes it whatever happens. */
export async function withFd<T>(
  path: string,
  flags: string,
  mode: number,
  use: (fd: number) => Promise<T>,
): Promise<T> {
  const fd = await openFd(path, flags, mode);
  try {
    return await use(fd);
  } finally {
    await closeFd(fd);
  }
}

/** Writes all of `data` at the descriptor's position (a write may be short; loop until it is all out). */
export async function writeAll(fd: number, data: string): Promise<void> {
  const bytes = Buffer.from(data, 'utf8');
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await writeFd(fd, bytes, offset, bytes.length - offset, null);
    offset += bytesWritten;
  }
}

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
  try {
    await withFd(dir, 'r', 0o666, (fd) => fsyncFd(fd));
  } catch (err) {
    const code = errnoCode(err);
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw err;
  }
}

/**
 * fsyncs of one directory, shared between concurrent callers (group commit).
 * A directory fsync flushes every entry changed before it starts, so a caller
 * whose rename is done can ride on any fsync that starts after it asks: while
 * one runs, every new caller waits for the single next one. Sixteen saves in
 * flight then cost one or two directory fsyncs instead of sixteen, and each
 * caller still returns only once its own rename is on disk.
 */
export class DirSync {
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  /** `flush` is the fsync itself (a seam for tests) */
  constructor(
    readonly dir: string,
    private readonly flush: (dir: string) => Promise<void> = fsyncDir,
  ) {}

  sync(): Promise<void> {
    if (this.next) return this.next;
    if (!this.running) return this.start();
    // the running fsync may have started before this caller's rename: it cannot count
    this.next = this.running
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        return this.start();
      });
    return this.next;
  }

  private start(): Promise<void> {
    const run: Promise<void> = this.flush(this.dir).finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
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
 * Write `data` to `temp`, flush it, and rename it over `file`: a reader (or a
 * restart after SIGKILL or power loss, once the caller has fsynced the
 * directory) sees the old content or the new, never a mix. fdatasync is enough
 * for a file just written from empty: it flushes the data and the size, the
 * metadata needed to read it back; only timestamps may lag. The caller picks a
 * `temp` name no other writer uses at the same time. Five syscalls (open,
 * write, fdatasync, close, rename): write-file-atomic, which this replaces,
 * adds a realpath (an lstat per path component), a stat, a chown, a chmod and
 * an unlink to every write, and cannot fdatasync.
 */
export async function replaceFileDurable(file: string, temp: string, data: string): Promise<void> {
  try {
    await withFd(temp, 'w', 0o644, async (fd) => {
      await writeAll(fd, data);
      await fdatasyncFd(fd);
    });
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

/**
 * Append lines (the caller's texts, without newlines) durably, all in one
 * write: O_APPEND makes it land at the end even with several writers (the
 * controller and an operator command), and on a local filesystem one write()
 * is never interleaved with another process's, so the lines stay together and
 * in order. A previous writer killed mid-line leaves no trailing newline:
 * start on a fresh line then, so the torn fragment stays alone on its line and
 * cannot swallow these entries. `dirSync` (the file's directory) is shared by
 * the appends that create files at the same time.
 */
export async function appendLinesDurable(
  file: string,
  lines: readonly string[],
  dirSync: DirSync = new DirSync(dirname(file)),
): Promise<void> {
  if (lines.length === 0) return;
  await withFd(file, 'a+', 0o644, async (fd) => {
    const { size } = await fstatFd(fd);
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await readFd(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    // O_APPEND: every write lands at the end, whatever the position
    await writeAll(fd, `${prefix}${lines.join('\n')}\n`);
    await fdatasyncFd(fd);
    // a new file's directory entry must be durable too, or the whole history could vanish
    if (size === 0) await dirSync.sync();
  });
}
