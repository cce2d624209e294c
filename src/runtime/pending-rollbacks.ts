import type { Logger } from '../log.js';
import type { StateStore } from '../ports/state-store.js';
import type { Rollout } from '../rollout/types.js';
import { monotonicMs } from '../ports/clock.js';

/*
 * `run --once` after its pass (issue 11 item 2): a rollback whose toggle
 * write failed (Flipper 503, a closed port) is the one thing that must still
 * happen, so the pass does not end on it. Each pending rollback is retried as
 * its retry time comes due, for at most one check interval (never more than
 * 60 s: a cron-scheduled rollout counts as 60 s); whatever is still pending
 * then is left in the record (the next run applies it) and named, so the
 * command exits 3. Waits use a ref'd timer and a monotonic deadline: nothing
 * here lets the process exit early, and a wall-clock step cannot stretch or
 * cut the retry window.
 */

export const MAX_ROLLBACK_RETRY_MS = 60_000;

export interface PendingRollbackDeps {
  readonly store: StateStore;
  /** the runner's applyPending, forced: the engine's backoff (15 s and up) is longer than the window */
  readonly applyPending: (rollout: Rollout) => Promise<boolean>;
  readonly logger: Logger;
  /** a rollback written off whose state is not saved yet (off-anyway.ts): pending too, until its save lands */
  readonly unsaved?: (name: string) => boolean;
  /** monotonic ms; tests inject a fake */
  readonly clock?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** the pause between attempts; default 1000 ms */
  readonly pollMs?: number;
}

/** The longest a pending rollback of this rollout is retried by `--once`: one check interval, capped. */
export function retryWindowMs(rollout: Rollout): number {
  const s = rollout.check.schedule;
  return s.kind === 'every'
    ? Math.min(Math.max(s.everyMs, 1_000), MAX_ROLLBACK_RETRY_MS)
    : MAX_ROLLBACK_RETRY_MS;
}

const refSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function pendingOf(
  store: StateStore,
  rollouts: readonly Rollout[],
  unsaved: (name: string) => boolean,
): Promise<Rollout[]> {
  const out: Rollout[] = [];
  for (const rollout of rollouts) {
    if (unsaved(rollout.name)) {
      out.push(rollout);
      continue;
    }
    const rec = await store.load(rollout.name).catch(() => undefined);
    if (rec?.intent?.action === 'disable') out.push(rollout);
  }
  return out;
}

/** Retries every pending rollback until it lands or its window ends; returns the names still pending. */
export async function settlePendingRollbacks(
  rollouts: readonly Rollout[],
  deps: PendingRollbackDeps,
): Promise<string[]> {
  const clock = deps.clock ?? monotonicMs;
  const sleep = deps.sleep ?? refSleep;
  const started = clock();
  const unsaved = deps.unsaved ?? (() => false);
  let pending = await pendingOf(deps.store, rollouts, unsaved);
  if (pending.length === 0) return [];
  const windowMs = Math.max(...pending.map(retryWindowMs));
  deps.logger.warn(
    { rollouts: pending.map((r) => r.name), windowMs },
    'rollback pending after the pass, retrying before exit',
  );
  while (pending.length > 0 && clock() - started < windowMs) {
    for (const rollout of pending) {
      if (clock() - started >= retryWindowMs(rollout)) continue;
      await deps
        .applyPending(rollout)
        .catch((err: unknown) =>
          deps.logger.error(
            { rollout: rollout.name, error: err instanceof Error ? err.message : String(err) },
            'pending rollback retry failed',
          ),
        );
    }
    pending = await pendingOf(deps.store, pending, unsaved);
    if (pending.length > 0) await sleep(deps.pollMs ?? 1_000);
  }
  for (const rollout of pending) {
    deps.logger.fatal(
      { rollout: rollout.name, windowMs: retryWindowMs(rollout) },
      'rollback still pending at exit: toggle may still be on, recorded for the next run',
    );
  }
  return pending.map((r) => r.name);
}
