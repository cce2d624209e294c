import type { Logger } from '../log.js';
import type { Rollout } from '../rollout/types.js';

/*
 * The save of an unsaved position (off-anyway.ts: a rollback or abort written
 * off, a write's result) is retried on its own timer (issue 11 item 2), not
 * only when the rollout's next check comes: a check every hour must not leave
 * a rolled-back rollout unrecorded for an hour. Backoff doubles from `baseMs`
 * up to `capMs`. Node's timers run on the monotonic clock, so a wall-clock
 * step neither stalls nor hurries a retry. The timer is deliberately NOT
 * unref'd: while a rollback is unsaved, `run --once` must not exit under it;
 * `close()` (controller stop, end of `--once`) clears every timer.
 */

export interface UnsavedRetryDeps {
  /** one attempt at saving `rollout`'s unsaved position; true when nothing is left unsaved */
  readonly retry: (rollout: Rollout) => Promise<boolean>;
  readonly logger: Logger;
  /** first wait; default 1000 ms */
  readonly baseMs?: number;
  /** longest wait; default 30 000 ms */
  readonly capMs?: number;
}

export interface UnsavedRetry {
  /** retries the save of `rollout` until it lands (a second call while scheduled changes nothing) */
  schedule(rollout: Rollout): void;
  scheduled(name: string): boolean;
  close(): void;
}

export function backoffMs(attempt: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
}

export function createUnsavedRetry(deps: UnsavedRetryDeps): UnsavedRetry {
  const baseMs = deps.baseMs ?? 1_000;
  const capMs = deps.capMs ?? 30_000;
  const timers = new Map<string, NodeJS.Timeout>();
  let closed = false;

  function arm(rollout: Rollout, attempt: number): void {
    const waitMs = backoffMs(attempt, baseMs, capMs);
    const timer = setTimeout(() => {
      void deps
        .retry(rollout)
        .catch((err: unknown) => {
          deps.logger.error(
            { rollout: rollout.name, error: err instanceof Error ? err.message : String(err) },
            'unsaved state: save retry failed',
          );
          return false;
        })
        .then((saved) => {
          if (timers.get(rollout.name) !== timer) return;
          timers.delete(rollout.name);
          if (!saved && !closed) arm(rollout, attempt + 1);
        });
    }, waitMs);
    timers.set(rollout.name, timer);
  }

  return {
    schedule(rollout) {
      if (closed || timers.has(rollout.name)) return;
      arm(rollout, 0);
    },
    scheduled: (name) => timers.has(name),
    close() {
      closed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
