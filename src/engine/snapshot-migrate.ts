import type { Rollout } from '../rollout/types.js';
import type { DecisionCounters } from './decide.js';
import { derivesFromIncrements } from './increments.js';

/*
 * Older snapshots, brought up to the current machine version on restore, and
 * counters fitted to a changed rollout file.
 *
 * Shipping a new machine must not drop the rollback protection of every
 * rollout in flight (a refused snapshot makes the runner skip the rollout),
 * so each version step has a migration here, applied in order. A snapshot
 * from a NEWER stagegate is still refused: its meaning is unknown.
 *
 *   1 → 2: the counters gain the sequential detectors (`detectors`, CUSUM per
 *          rollback criterion on a ratio), the breach and failing clocks
 *          (`breachSince`, `failingSince`) and the increment ledger
 *          (`increments`). All are optional and start empty: the first check
 *          after the upgrade counts the stage so far as one increment (from
 *          the stage start), so nothing is lost and nothing counted twice. A
 *          breach streak carries on; its clock starts at that check.
 */

type Migration = (context: Record<string, unknown>) => Record<string, unknown>;

const MIGRATIONS: Readonly<Record<number, Migration>> = {
  // the v1 shape is a subset of v2's: every new field is optional
  1: (context) => context,
};

/** The context migrated from `version` to `target`, or undefined when no path exists. */
export function migrateContext(
  context: unknown,
  version: number,
  target: number,
): Record<string, unknown> | undefined {
  if (typeof context !== 'object' || context === null) return undefined;
  let out = context as Record<string, unknown>;
  for (let v = version; v < target; v++) {
    const step = MIGRATIONS[v];
    if (!step) return undefined;
    out = step(out);
  }
  return version <= target ? out : undefined;
}

function keep<T>(
  counts: Readonly<Record<string, T>> | undefined,
  known: ReadonlySet<string>,
): Record<string, T> {
  return Object.fromEntries(Object.entries(counts ?? {}).filter(([k]) => known.has(k)));
}

/** Counters of criteria (and derived metrics) that no longer exist are dropped; new ones start at zero. */
export function reconcileCounters(counters: DecisionCounters, rollout: Rollout): DecisionCounters {
  const rollback = new Set(rollout.criteria.rollback.map((c) => c.text));
  const advance = new Set(rollout.criteria.advance.map((c) => c.text));
  const derived = new Set(
    Object.values(rollout.metrics)
      .filter(derivesFromIncrements)
      .map((m) => m.name),
  );
  return {
    breaches: keep(counters.breaches, rollback),
    looks: keep(counters.looks, rollback),
    errors: counters.errors,
    ...(counters.breachSince && { breachSince: keep(counters.breachSince, rollback) }),
    ...(counters.failingSince && { failingSince: keep(counters.failingSince, advance) }),
    ...(counters.detectors && { detectors: keep(counters.detectors, rollback) }),
    ...(counters.increments && { increments: keep(counters.increments, derived) }),
  };
}
