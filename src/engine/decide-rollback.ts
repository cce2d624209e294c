import type { Measurement } from '../ports/metrics-provider.js';
import { formatDuration } from '../rollout/duration.js';
import type { Rollout } from '../rollout/types.js';
import { dict, own } from './dict.js';
import type { CriterionResult, JudgeOptions } from './judge.js';
import type { CusumState, Increment } from './sequential/cusum.js';
import {
  advanceStreak,
  describeProgress,
  NO_STREAK,
  persisted,
  type Reading,
} from './sequential/persistence.js';
import { judgeByDetector } from './sequential/rollback-detector.js';
import { rolloutThreshold } from './sequential/threshold.js';

/*
 * Rollback criteria, one check: each criterion's verdict, its streak
 * (`for N checks` / `for <duration>`), and for ratios the CUSUM state.
 *
 * A ratio criterion with an order comparison is judged by its CUSUM when this
 * check's increment is known: given by the runtime (`increments`, the
 * observations since the last one counted) or derived from a `window: stage`
 * measurement (cumulative since the stage began). Otherwise — a sliding
 * window with no increment supplied — the look-spending interval of judge.ts
 * is the fallback. `for` clauses then mean the alarm must persist.
 */

export interface RollbackCounters {
  readonly breaches: Readonly<Record<string, number>>;
  readonly looks: Readonly<Record<string, number>>;
  readonly breachSince?: Readonly<Record<string, number>>;
  readonly detectors?: Readonly<Record<string, CusumState>>;
}

export interface RollbackInput {
  readonly rollout: Rollout;
  readonly now: number;
  readonly stageStartedAt: number | null;
  readonly counters: RollbackCounters;
  readonly measurementOf: (metric: string) => Measurement;
  readonly increments: Readonly<Record<string, Increment>> | undefined;
  /** false: judge every criterion with `judge` only (the benchmark's comparison policies) */
  readonly sequential: boolean;
  readonly judge: (m: Measurement, opts: JudgeOptions, index: number) => CriterionResult;
}

export interface RollbackOutcome {
  readonly results: CriterionResult[];
  readonly breached: string[];
  /** breaching, but not yet for its `for` clause */
  readonly watching: string[];
  readonly breaches: Record<string, number>;
  readonly breachSince: Record<string, number>;
  readonly looks: Record<string, number>;
  readonly detectors: Record<string, CusumState>;
}

function readingOf(r: CriterionResult): Reading {
  if (r.verdict === 'breach') return 'holds';
  return r.verdict === 'no-data' || r.verdict === 'error' ? 'unknown' : 'clear';
}

export function judgeRollback(input: RollbackInput): RollbackOutcome {
  const { rollout, counters, now } = input;
  const out: RollbackOutcome = {
    results: [],
    breached: [],
    watching: [],
    breaches: dict(),
    breachSince: dict(),
    looks: dict(),
    detectors: dict(),
  };
  // detectors of criteria not judged this check keep their state
  if (counters.detectors) for (const [k, v] of Object.entries(counters.detectors)) out.detectors[k] = v;
  rollout.criteria.rollback.forEach((c, index) => {
    const m = input.measurementOf(c.metric);
    const previousLooks = own(counters.looks, c.text) ?? 0;
    let r: CriterionResult | undefined;
    if (
      input.sequential &&
      m.kind === 'ratio' &&
      m.denominator > 0 &&
      m.numerator >= 0 &&
      m.numerator <= m.denominator &&
      input.stageStartedAt !== null
    ) {
      const spec = own(rollout.metrics, c.metric);
      const judged = judgeByDetector({
        criterion: c,
        measurement: m,
        state: own(counters.detectors, c.text),
        increment: own(input.increments, c.metric),
        cumulative: spec?.window.kind === 'stage',
        stageStartedAt: input.stageStartedAt,
        now,
        threshold: rolloutThreshold(rollout, c),
      });
      if (judged) {
        r = judged.result;
        out.detectors[c.text] = judged.state;
      }
    }
    r ??= input.judge(m, { confidence: rollout.policy.confidence, look: previousLooks + 1 }, index);
    out.results.push(r);
    out.looks[c.text] = r.interval !== null ? previousLooks + 1 : previousLooks;
    const previous = {
      checks: own(counters.breaches, c.text) ?? 0,
      since: own(counters.breachSince, c.text) ?? null,
    };
    const streak = advanceStreak(previous.checks > 0 ? previous : NO_STREAK, readingOf(r), now);
    out.breaches[c.text] = streak.checks;
    if (streak.since !== null) out.breachSince[c.text] = streak.since;
    const progress = describeProgress(c, streak, now, formatDuration);
    if (r.verdict === 'breach' && persisted(c, streak, now)) {
      const sustained = c.forChecks > 1 || c.forMs !== undefined;
      out.breached.push(sustained ? `${r.reason} for ${progress}` : r.reason);
    } else if (streak.checks > 0) {
      out.watching.push(`${r.reason} (${progress})`);
    }
  });
  return out;
}
