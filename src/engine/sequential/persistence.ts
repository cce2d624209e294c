import type { Criterion } from '../../rollout/types.js';

/*
 * `for <n> checks` / `for <duration>`: how long a condition has held.
 *
 * A streak counts consecutive checks on which the condition held and
 * remembers when the first of them happened. A check without a reading (no
 * data, provider error) neither extends nor breaks it; a check on which the
 * condition did not hold ends it. `for 10m` is met once the condition has
 * held continuously for 10 minutes measured by the checks' own timestamps:
 * from the first holding check to this one. With neither clause, one check is
 * enough.
 */

export interface Streak {
  readonly checks: number;
  /** epoch ms of the first holding check; null when not holding */
  readonly since: number | null;
}

export const NO_STREAK: Streak = { checks: 0, since: null };

export type Reading = 'holds' | 'clear' | 'unknown';

export function advanceStreak(previous: Streak, reading: Reading, now: number): Streak {
  if (reading === 'unknown') return previous;
  if (reading === 'clear') return NO_STREAK;
  return { checks: previous.checks + 1, since: previous.since ?? now };
}

/** Whether the streak meets the criterion's `for` clause at `now`. */
export function persisted(c: Pick<Criterion, 'forChecks' | 'forMs'>, s: Streak, now: number): boolean {
  if (s.checks < 1 || s.checks < c.forChecks) return false;
  if (c.forMs === undefined) return true;
  return s.since !== null && now - s.since >= c.forMs;
}

/** `2 of 3 checks`, `4m of 10m`: how far along the `for` clause is. */
export function describeProgress(
  c: Pick<Criterion, 'forChecks' | 'forMs'>,
  s: Streak,
  now: number,
  formatDuration: (ms: number) => string,
): string {
  if (c.forMs !== undefined) {
    const held = s.since === null ? 0 : Math.max(0, now - s.since);
    return `${formatDuration(held)} of ${formatDuration(c.forMs)}`;
  }
  return `${s.checks} of ${c.forChecks} checks`;
}
