import { formatDuration } from '../rollout/duration.js';
import { lastErrors, lastSamples, outcomes, type CheckOf, type CriterionRef } from './criteria-outcomes.js';
import { iso } from './iso-time.js';
import type { PostLaunchReport } from './model.js';

/* The post-launch check-ins after completion: when each was due, what it measured. */

const DAY_MS = 86_400_000;

/** `1-week`, `2-month`, else the offset: `10d after launch`. */
export function postLaunchLabel(offsetMs: number): string {
  if (offsetMs > 0 && offsetMs % (30 * DAY_MS) === 0) return `${offsetMs / (30 * DAY_MS)}-month`;
  if (offsetMs > 0 && offsetMs % (7 * DAY_MS) === 0) return `${offsetMs / (7 * DAY_MS)}-week`;
  return `${formatDuration(offsetMs)} after launch`;
}

/** One report per planned offset; `completedAt` null: none is due yet. */
export function postLaunchOf(
  offsets: readonly number[],
  checks: readonly (CheckOf & { offsetMs: number })[],
  completedAt: number | null,
  refs: readonly CriterionRef[],
  samples: string | null,
): PostLaunchReport[] {
  return offsets.map((offsetMs) => {
    const mine = checks.filter((c) => c.offsetMs === offsetMs);
    const measured = mine.at(-1);
    return {
      label: postLaunchLabel(offsetMs),
      offset: formatDuration(offsetMs),
      dueAt: completedAt === null ? null : iso(completedAt + offsetMs),
      measuredAt: measured ? iso(measured.at) : null,
      uniqueUsers: lastSamples(samples, mine),
      criteria: measured ? outcomes(refs, mine) : [],
      errors: lastErrors(mine),
    };
  });
}
