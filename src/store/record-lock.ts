import { setTimeout as sleep } from 'node:timers/promises';
import { StagegateError } from '../errors.js';
import type { Logger } from '../log.js';
import {
  breakLock,
  holderIsDead,
  lockAgeMs,
  newHolder,
  readLockFile,
  releaseLock,
  releaseLockUnchecked,
  tryCreateLock,
  type LockFileState,
} from './lock-file.js';

/*
 * The per-record lock that makes a save's read-compare-write atomic between
 * processes: the controller and an operator's CLI command saving the same
 * rollout. It is held for the few milliseconds of one save. A holder killed
 * mid-save leaves it behind; it is broken as soon as its pid is known dead
 * (same host), or once older than `staleMs` whatever the host (a save never
 * takes that long; this also covers a pid reused by another process).
 */

export interface RecordLockOptions {
  /** a lock older than this is broken (default 10 s) */
  readonly staleMs: number;
  /** give up waiting after this long (default 15 s) */
  readonly waitMs: number;
  readonly logger: Logger;
}

export async function withRecordLock<T>(
  file: string,
  name: string,
  opts: RecordLockOptions,
  critical: () => Promise<T>,
): Promise<T> {
  const self = newHolder('state save');
  const deadline = Date.now() + opts.waitMs;
  let pause = 2;
  let last: LockFileState = 'gone';
  while (Date.now() < deadline) {
    // taken before the lock file is written: its age as others judge it (mtime) is at most this old
    const acquired = Date.now();
    if (await tryCreateLock(file, self)) {
      try {
        return await critical();
      } finally {
        // Nobody breaks a live holder's lock before it is `staleMs` old, so a lock held for less than half
        // of that (margin for clocks of other hosts on a shared disk) is still ours: no need to read it back.
        if (Date.now() - acquired < opts.staleMs / 2) await releaseLockUnchecked(file, self);
        else await releaseLock(file, self);
      }
    }
    last = await readLockFile(file);
    if (last === 'gone') continue;
    const seen = last;
    if (await isStale(file, seen, opts.staleMs)) {
      const outcome = await breakLock(file, (current) =>
        seen === 'unreadable'
          ? current === 'unreadable'
          : current !== 'unreadable' && current.token === seen.token,
      );
      if (outcome === 'broken') {
        const holder =
          seen === 'unreadable' ? {} : { pid: seen.pid, hostname: seen.hostname, since: seen.since };
        opts.logger.warn({ file, rollout: name, ...holder }, 'broke stale record lock');
        continue;
      }
    }
    // jittered, growing pause: the holder needs milliseconds
    await sleep(pause + Math.random() * pause);
    pause = Math.min(pause * 2, 50);
  }
  const holder =
    typeof last === 'string'
      ? `${file}`
      : `pid ${last.pid} on host ${last.hostname} since ${last.since} (${file})`;
  throw new StagegateError('E_STORE_LOCKED', `state record of ${name} stayed locked by ${holder}`, {
    file,
    name,
  });
}

async function isStale(file: string, state: LockFileState, staleMs: number): Promise<boolean> {
  if (state !== 'gone' && state !== 'unreadable' && holderIsDead(state)) return true;
  const age = await lockAgeMs(file);
  return age !== undefined && age > staleMs;
}
