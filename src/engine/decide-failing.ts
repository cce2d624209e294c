import { formatDuration } from '../rollout/duration.js';
import type { Rollout } from '../rollout/types.js';
import { dict, own } from './dict.js';
import type { CriterionResult } from './judge.js';

/*
 * An advance criterion that is definitely failing (its interval entirely on
 * the wrong side, or a value on the wrong side) cannot pass by waiting; after
 * `policy.failingFor` (default 1h) of that, `policy.onFailing` says what
 * happens: pause and alert (default), roll back, or hold as before.
 *
 * "Sustained" is measured like `for <duration>`: from the first check of an
 * unbroken run of `fail` verdicts; a pass or an inconclusive check ends the
 * run, a check without data neither extends nor ends it.
 */

export const DEFAULT_FAILING_FOR_MS = 3_600_000;

export interface FailingOutcome {
  readonly failingSince: Record<string, number>;
  /** `failing: <criterion> …` for every criterion failing at least failingFor; empty otherwise */
  readonly reasons: string[];
}

export function trackFailing(
  rollout: Rollout,
  advanceResults: readonly CriterionResult[],
  previous: Readonly<Record<string, number>> | undefined,
  now: number,
): FailingOutcome {
  const failingFor = rollout.policy.failingForMs ?? DEFAULT_FAILING_FOR_MS;
  const failingSince = dict<number>();
  const reasons: string[] = [];
  for (const r of advanceResults) {
    const key = r.criterion.text;
    const before = own(previous, key);
    if (r.verdict === 'fail') {
      const since = before ?? now;
      failingSince[key] = since;
      if (now - since >= failingFor) {
        reasons.push(`failing: ${r.criterion.text} for ${formatDuration(now - since)}: ${r.reason}`);
      }
    } else if ((r.verdict === 'no-data' || r.verdict === 'error') && before !== undefined) {
      failingSince[key] = before;
    }
  }
  return { failingSince, reasons };
}
