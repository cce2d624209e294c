import { monotonicMs, type MonotonicClock } from '../ports/clock.js';
import type { EngineSession } from './engine-session.js';

/*
 * When a failed toggle write may be retried (issue 11 "clocks"). The engine
 * keeps the retry time as wall-clock epoch ms (`retryAt`, persisted so that
 * another process can honour it); within this process the wait is measured
 * on the monotonic clock instead: the backoff the engine chose
 * (retryAt − the wall time of the failure) against the monotonic time elapsed
 * since the failure. So a wall step backwards no longer stalls a failing
 * rollback's retry, and a step forwards no longer fires it early. A failure
 * this process did not see (a restart) falls back to the wall clock.
 */

export interface RetryClock {
  /** the write of `intentId` failed at `wallAt` (the time the engine was told) */
  failed(intentId: string, wallAt: number): void;
  /** the write of `intentId` landed, or was replaced */
  forget(intentId: string): void;
  /** whether the session's intent may be written now */
  due(session: EngineSession): boolean;
}

export function createRetryClock(wallNow: () => number, mono: MonotonicClock = monotonicMs): RetryClock {
  const failures = new Map<string, { readonly mono: number; readonly wall: number }>();
  return {
    failed: (intentId, wallAt) => void failures.set(intentId, { mono: mono(), wall: wallAt }),
    forget: (intentId) => void failures.delete(intentId),
    due(session) {
      const intent = session.intent();
      if (intent === null) return false;
      const retryAt = session.retryAt();
      if (retryAt === null) return true;
      const seen = failures.get(intent.id);
      if (seen === undefined) return retryAt <= wallNow();
      return mono() - seen.mono >= retryAt - seen.wall;
    },
  };
}
