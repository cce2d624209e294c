import type { Measurement } from '../../ports/metrics-provider.js';
import type { Criterion } from '../../rollout/types.js';
import { formatCount, formatThreshold, formatValue } from '../format.js';
import type { CriterionResult } from '../judge.js';
import {
  cusumDesign,
  EMPTY_CUSUM,
  incrementFromCumulative,
  updateCusum,
  type CusumState,
  type Increment,
} from './cusum.js';

/*
 * A rollback criterion on a ratio, judged by its CUSUM (cusum.ts) instead of
 * an interval on the window: breach when the evidence reaches the threshold.
 * The window's value still shows on the check line (what the user asked to
 * see); the verdict rests on the stage's increments.
 */

export interface DetectorInput {
  readonly criterion: Criterion;
  readonly measurement: Extract<Measurement, { kind: 'ratio' }>;
  readonly state: CusumState | undefined;
  /** this check's new observations; undefined: derive them from a cumulative stage window */
  readonly increment: Increment | undefined;
  /** whether the measurement is cumulative since the stage began (window: stage) */
  readonly cumulative: boolean;
  readonly stageStartedAt: number;
  readonly now: number;
  /** the alarm threshold h (threshold.ts) */
  readonly threshold: number;
}

export interface DetectorOutcome {
  readonly result: CriterionResult;
  readonly state: CusumState;
}

/** `evidence 7.2 of 11.4 (CUSUM, 4,530 trials this stage)`: the detector's state for the check line. */
export function formatEvidence(e: {
  readonly statistic: number;
  readonly threshold: number;
  readonly trials: number;
}): string {
  const s = Number(e.statistic.toFixed(1));
  const h = Number(e.threshold.toFixed(1));
  return `evidence ${s} of ${h} (CUSUM, ${formatCount(e.trials)} trials this stage)`;
}

/** undefined when the criterion has no detector (== / !=, a threshold at 0 or 1) or no increment is known. */
export function judgeByDetector(input: DetectorInput): DetectorOutcome | undefined {
  const c = input.criterion;
  const design = cusumDesign(c);
  if (!design) return undefined;
  const m = input.measurement;
  const previous = input.state ?? EMPTY_CUSUM;
  const increment =
    input.increment ??
    (input.cumulative
      ? incrementFromCumulative(previous, input.stageStartedAt, input.now, m.numerator, m.denominator)
      : undefined);
  if (!increment) return undefined;
  const { state } = updateCusum(design, previous, increment);
  const value = m.numerator / m.denominator;
  const shown = `${c.metric} ${formatValue(value, c.percent)} (${formatCount(m.numerator)}/${formatCount(m.denominator)})`;
  const evidence = formatEvidence({ statistic: state.s, threshold: input.threshold, trials: state.trials });
  const breach = state.s >= input.threshold;
  const threshold = formatThreshold(c);
  const result: CriterionResult = {
    criterion: c,
    kind: 'rollback',
    verdict: breach ? 'breach' : 'ok',
    value,
    interval: null,
    confidence: null,
    samples: m.denominator,
    reason: breach
      ? `${shown} breaches ${threshold}: ${evidence}`
      : `${shown} within rollback ${threshold}: ${evidence}`,
    evidence: { statistic: state.s, threshold: input.threshold, trials: state.trials, events: state.events },
  };
  return { result, state };
}
