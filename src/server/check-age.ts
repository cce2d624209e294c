import type { RolloutRecord, RolloutState } from '../ports/state-store.js';
import { monotonicMs, type MonotonicClock } from '../ports/clock.js';

/*
 * "Nobody notices when checks stop" (issue 11): a wedged scheduler, or a
 * process a supervisor keeps "up", checks nothing and says nothing. Each
 * check that ran in this process is timed on the monotonic clock; a rollout
 * this process has not checked yet counts from when it first heard of it
 * (start, or the rollout file appearing). `/metrics` exports the age per
 * rollout as `stagegate_last_check_age_seconds`, and `/readyz` fails when a
 * rollout that should be checked is overdue by more than two intervals.
 */

/** states in which a rollout is checked on its schedule (pending waits for its start; the rest are over) */
export const CHECKED_STATES: ReadonlySet<RolloutState> = new Set([
  'running',
  'awaiting_approval',
  'paused',
  'rolling_back',
]);

/** how many intervals without a check make a rollout overdue */
export const OVERDUE_INTERVALS = 2;

export class CheckAges {
  private readonly last = new Map<string, number>();

  constructor(private readonly clock: MonotonicClock = monotonicMs) {}

  checked(rollout: string): void {
    this.last.set(rollout, this.clock());
  }

  /** the baseline of a rollout not checked yet: now, the first time it is seen */
  seen(rollout: string): void {
    if (!this.last.has(rollout)) this.last.set(rollout, this.clock());
  }

  forget(rollout: string): void {
    this.last.delete(rollout);
  }

  /** seconds since the last check (or since first seen); undefined for a rollout never seen */
  ageSeconds(rollout: string): number | undefined {
    const at = this.last.get(rollout);
    return at === undefined ? undefined : Math.max(0, this.clock() - at) / 1000;
  }
}

/** the interval a record's spec checks at, in seconds; undefined for cron schedules (no fixed interval) */
export function intervalSecondsOf(record: RolloutRecord): number | undefined {
  const schedule = record.spec?.check.schedule;
  return schedule?.kind === 'every' ? schedule.everyMs / 1000 : undefined;
}

/** `/readyz` problems: one per rollout that should be checked and is overdue by more than two intervals */
export function overdueProblems(
  records: readonly RolloutRecord[],
  ages: CheckAges,
  loaded?: ReadonlySet<string>,
): string[] {
  const out: string[] = [];
  for (const rec of records) {
    if (!CHECKED_STATES.has(rec.summary.state)) continue;
    if (loaded && !loaded.has(rec.name)) continue;
    ages.seen(rec.name);
    const interval = intervalSecondsOf(rec);
    const age = ages.ageSeconds(rec.name);
    if (interval === undefined || age === undefined || age <= OVERDUE_INTERVALS * interval) continue;
    out.push(
      `${rec.name}: no check for ${age.toFixed(0)} s (every ${String(interval)} s): checks have stopped`,
    );
  }
  return out;
}
