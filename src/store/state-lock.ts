import { stat, utimes } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { StagegateError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { ensureDir, errnoCode } from './durable-fs.js';
import {
  breakLock,
  holderIsDead,
  newHolder,
  readLockFile,
  releaseLock,
  tryCreateLock,
  type LockHolder,
} from './lock-file.js';

export type { LockHolder } from './lock-file.js';

/*
 * One controller per state dir (DESIGN.md §5): `<dir>/controller.lock`, held
 * for the controller's lifetime and naming its holder (pid, host, start time).
 * Operator commands do not take it; the store's per-record version check keeps
 * them and the controller from overwriting each other.
 *
 * The holder touches the file every HEARTBEAT_MS. A lock is taken over, with
 * a warning, when its holder is known to be gone (same host, pid not alive)
 * or when nobody has touched it for STALE_MS, from any host. The heartbeat is
 * what makes containers safe: a re-created container has a new host name, so
 * the pid test cannot see that the old one is dead, and two containers with a
 * fixed host name both run as pid 1, so "the holder has my pid" proves
 * nothing; only a lock nobody refreshes is surely abandoned.
 */

export const STATE_LOCK_FILE = 'controller.lock';
export const HEARTBEAT_MS = 10_000;
export const STALE_MS = 60_000;
const MAX_ATTEMPTS = 100;
const RETRY_MS = 20;

export interface StateLock {
  readonly file: string;
  readonly holder: LockHolder;
  /** the dead holder whose lock was taken over, if any */
  readonly takenOverFrom: LockHolder | null;
  /**
   * true while the lock is ours as far as this process can know: not released,
   * not seen taken over, and its last verified heartbeat younger than the stale
   * timeout (less a margin) on the monotonic clock. A process frozen past the
   * stale timeout wakes up with this false, before it runs a write.
   */
  held(): boolean;
  /** reads the lock file now: still ours (and then counts as a heartbeat)? */
  verify(): Promise<boolean>;
  /** called once when the heartbeat finds the lock taken over or removed */
  onLost(cb: () => void): () => void;
  /** removes the lock if it is still ours; safe to call twice */
  release(): Promise<void>;
}

export interface AcquireStateLockOptions {
  /** what holds it, shown to the next acquirer, e.g. `stagegate run` */
  readonly owner: string;
  readonly logger?: Logger;
  /** a lock untouched this long is taken over; default STALE_MS, or STAGEGATE_STATE_LOCK_STALE_MS (tests) */
  readonly staleMs?: number;
}

function staleMsFrom(opts: AcquireStateLockOptions): number {
  const env = Number(process.env.STAGEGATE_STATE_LOCK_STALE_MS);
  return opts.staleMs ?? (Number.isFinite(env) && env >= 1_000 ? env : STALE_MS);
}

export async function acquireStateLock(dir: string, opts: AcquireStateLockOptions): Promise<StateLock> {
  const logger = opts.logger ?? silentLogger();
  const root = resolve(dir);
  const file = join(root, STATE_LOCK_FILE);
  const self = newHolder(opts.owner);
  let takenOverFrom: LockHolder | null = null;
  const staleMs = staleMsFrom(opts);
  try {
    await ensureDir(root);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
      if (await tryCreateLock(file, self)) return lockHandle(file, self, takenOverFrom, logger, staleMs);
      const holder = await readLockFile(file);
      if (holder === 'gone') continue;
      if (holder === 'unreadable') {
        throw new StagegateError(
          'E_STORE_LOCKED',
          `state dir ${root} is locked by ${file}, which is unreadable; if no controller runs on this dir, delete it`,
          { file },
        );
      }
      if (!(await isAbandoned(file, holder, staleMs))) throw lockedError(root, file, holder);
      const outcome = await breakLock(
        file,
        (current) => current !== 'unreadable' && current.token === holder.token,
      );
      if (outcome === 'broken') {
        takenOverFrom = holder;
        logger.warn(
          {
            file,
            holderPid: holder.pid,
            hostname: holder.hostname,
            since: holder.since,
            owner: holder.owner,
          },
          'took over stale state lock',
        );
      } else if (outcome === 'busy') {
        await sleep(RETRY_MS);
      }
    }
    throw new StagegateError(
      'E_STORE_LOCKED',
      `could not acquire ${file}: other processes keep contending for it`,
      {
        file,
      },
    );
  } catch (err) {
    if (err instanceof StagegateError) throw err;
    const reason = errnoCode(err) ?? (err instanceof Error ? err.message : String(err));
    throw new StagegateError(
      'E_STORE_IO',
      `cannot lock state dir ${root}: ${reason}`,
      { file },
      { cause: err },
    );
  }
}

/** who holds the lock of `dir`, if anyone (for status and readiness output) */
export async function readStateLock(dir: string): Promise<LockHolder | undefined> {
  const holder = await readLockFile(join(resolve(dir), STATE_LOCK_FILE));
  return typeof holder === 'string' ? undefined : holder;
}

async function isAbandoned(file: string, holder: LockHolder, staleMs: number): Promise<boolean> {
  let touchedAt: number;
  try {
    touchedAt = (await stat(file)).mtimeMs;
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return true;
    throw err;
  }
  if (Date.now() - touchedAt > staleMs) return true;
  // pid 1 in another container with the same host name is not us: only the heartbeat can tell
  if (holder.pid === process.pid) return false;
  return holderIsDead(holder);
}

function lockHandle(
  file: string,
  self: LockHolder,
  takenOverFrom: LockHolder | null,
  logger: Logger,
  staleMs: number,
): StateLock {
  let released = false;
  let lost = false;
  // the lock was created (or taken over) just now: that counts as verified
  let verifiedAt = performance.now();
  const lostCallbacks = new Set<() => void>();
  const margin = Math.min(5_000, staleMs / 6);
  const heartbeatMs = Math.min(HEARTBEAT_MS, staleMs / 6);

  async function verify(): Promise<boolean> {
    if (released || lost) return false;
    const sentAt = performance.now();
    const current = await readLockFile(file).catch(() => 'unreadable' as const);
    // cannot tell (a torn read, an I/O error): not verified, so held() runs out unless a later beat can
    if (current === 'unreadable') return false;
    if (current === 'gone' || current.token !== self.token) {
      markLost(current);
      return false;
    }
    const now = new Date();
    await utimes(file, now, now);
    verifiedAt = sentAt;
    return true;
  }

  function markLost(current: Awaited<ReturnType<typeof readLockFile>>): void {
    if (lost || released) return;
    lost = true;
    clearInterval(heartbeat);
    logger.error(
      {
        file,
        holder: typeof current === 'string' ? current : { pid: current.pid, hostname: current.hostname },
      },
      'state lock taken over by another controller: acting stops',
    );
    for (const cb of lostCallbacks) cb();
  }

  // the heartbeat checks ownership before touching: a controller deposed while frozen learns it here
  const heartbeat = setInterval(() => {
    verify().catch((err: unknown) =>
      logger.warn({ file, error: errnoCode(err) ?? String(err) }, 'state lock heartbeat failed'),
    );
  }, heartbeatMs);
  // the lock must not keep a finished process alive
  heartbeat.unref();
  return {
    file,
    holder: self,
    takenOverFrom,
    held: () => !released && !lost && performance.now() < verifiedAt + staleMs - margin,
    verify: () => verify().catch(() => false),
    onLost(cb) {
      lostCallbacks.add(cb);
      return () => lostCallbacks.delete(cb);
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      if (lost) return;
      // someone removed or replaced it by hand: theirs now, leave it
      if (!(await releaseLock(file, self))) logger.warn({ file }, 'state lock was no longer ours at release');
    },
  };
}

function lockedError(root: string, file: string, holder: LockHolder): StagegateError {
  return new StagegateError(
    'E_STORE_LOCKED',
    `state dir ${root} is locked: held by pid ${holder.pid} on host ${holder.hostname} since ${holder.since}` +
      ` (${holder.owner}). Stop that controller first; if it is gone, delete ${file}`,
    { file, holderPid: holder.pid, hostname: holder.hostname, since: holder.since, owner: holder.owner },
  );
}
