import { randomBytes } from 'node:crypto';
import { link, open, stat, unlink } from 'node:fs/promises';
import { hostname as osHostname } from 'node:os';
import { z } from 'zod';
import { closeFd, errnoCode, openFd, readTextFile, writeAll } from './durable-fs.js';

/*
 * Exclusive lock files, shared by the controller lock (one controller per
 * state dir) and the short per-record locks around a save. A lock file is
 * written aside and published with link(), which fails atomically when the
 * name exists; so it is complete or absent (never empty, as an O_EXCL create
 * followed by a write can leave it) and names its holder. Lock files are not
 * fsynced: after a crash they are stale anyway.
 *
 * Whether a holder is gone can only be known on its own host: its pid is not
 * alive, or it is our own pid without being held by this process (a previous
 * run that got the same pid, e.g. pid 1 in a restarted container). Breaking a
 * dead lock happens under a second `<lock>.break` file, and only after
 * re-reading that the lock is still the dead one: otherwise two processes
 * could both remove the dead lock, and the slower one the other's fresh lock.
 */

export const lockHolderSchema = z.object({
  pid: z.int().positive(),
  hostname: z.string(),
  owner: z.string(),
  since: z.string(),
  token: z.string(),
});

export type LockHolder = z.output<typeof lockHolderSchema>;

export type LockFileState = LockHolder | 'gone' | 'unreadable';

/** a breaker older than this belongs to a process killed mid-break: breaking takes milliseconds */
const BREAKER_STALE_MS = 10_000;

/** tokens of the locks this process holds or is acquiring */
const heldHere = new Set<string>();

export function newHolder(owner: string): LockHolder {
  return {
    pid: process.pid,
    hostname: osHostname(),
    owner,
    since: new Date().toISOString(),
    token: randomBytes(12).toString('hex'),
  };
}

/** create `file` naming `holder`; false when someone holds it */
export async function tryCreateLock(file: string, holder: LockHolder): Promise<boolean> {
  // reserved first, so a reader in this process never mistakes it for a previous run's
  heldHere.add(holder.token);
  try {
    const created = await publish(file, `${file}.${holder.token}.tmp`, `${JSON.stringify(holder)}\n`);
    if (!created) heldHere.delete(holder.token);
    return created;
  } catch (err) {
    heldHere.delete(holder.token);
    throw err;
  }
}

export async function readLockFile(file: string): Promise<LockFileState> {
  let text: string;
  try {
    text = await readTextFile(file);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return 'gone';
    throw err;
  }
  try {
    const parsed = lockHolderSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/** milliseconds since the lock file was written, or undefined when it is gone */
export async function lockAgeMs(file: string): Promise<number | undefined> {
  const info = await stat(file).catch(() => undefined);
  return info === undefined ? undefined : Date.now() - info.mtimeMs;
}

/** true only when the holder is known to be gone (see the header comment) */
export function holderIsDead(holder: LockHolder): boolean {
  if (holder.hostname !== osHostname()) return false;
  if (heldHere.has(holder.token)) return false;
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    // EPERM: it exists, it is just not ours to signal
    return errnoCode(err) !== 'EPERM';
  }
}

/**
 * Remove `file` if it is still the lock judged dead (`stillDead` re-checks it
 * under the breaker). 'busy': another process is breaking it right now.
 */
export async function breakLock(
  file: string,
  stillDead: (current: LockHolder | 'unreadable') => boolean,
): Promise<'broken' | 'changed' | 'busy'> {
  const breaker = `${file}.break`;
  try {
    const handle = await open(breaker, 'wx', 0o644);
    await handle.close();
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
    const age = await lockAgeMs(breaker);
    if (age !== undefined && age > BREAKER_STALE_MS) await unlink(breaker).catch(() => undefined);
    return 'busy';
  }
  try {
    const current = await readLockFile(file);
    if (current === 'gone' || !stillDead(current)) return 'changed';
    try {
      await unlink(file);
    } catch (err) {
      // its holder released it after all
      if (errnoCode(err) === 'ENOENT') return 'changed';
      throw err;
    }
    return 'broken';
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

/** remove `file` if `holder` still holds it; false when it is not ours (any more) */
export async function releaseLock(file: string, holder: LockHolder): Promise<boolean> {
  try {
    const current = await readLockFile(file);
    if (current === 'gone' || current === 'unreadable' || current.token !== holder.token) return false;
    await unlink(file);
    return true;
  } finally {
    // only now: until the file is gone, a reader in this process must see it as live, not as a previous run's
    heldHere.delete(holder.token);
  }
}

/**
 * Remove `file` without reading it back first: for a lock whose holder knows
 * no one can have broken or replaced it yet (younger than any breaker's age
 * threshold, and its pid alive), which saves the read on every short hold.
 */
export async function releaseLockUnchecked(file: string, holder: LockHolder): Promise<void> {
  try {
    await unlink(file);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  } finally {
    heldHere.delete(holder.token);
  }
}

/** `data` at `target` if nothing is there yet; false when something is */
async function publish(target: string, staging: string, data: string): Promise<boolean> {
  const fd = await openFd(staging, 'wx', 0o644);
  try {
    try {
      await writeAll(fd, data);
    } finally {
      await closeFd(fd);
    }
    await link(staging, target);
    return true;
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(staging).catch(() => undefined);
  }
}
