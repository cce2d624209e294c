import type { Measurement } from '../ports/metrics-provider.js';
import type { ComparisonOp, Criterion } from '../rollout/types.js';
import { formatConfidence, formatCount, formatInterval, formatThreshold, formatValue } from './format.js';
import { betaBinomialSequence } from './sequential/confidence-sequence.js';
import { clopperPearsonInterval, lookConfidence, wilsonInterval, type Interval } from './stats.js';

/*
 * One criterion against one measurement: pure, no clock, no I/O.
 *
 * Plain values (and ratios that are not proportions, and `==` / `!=`) compare
 * the number directly. Proportions (0 ≤ numerator ≤ denominator) are judged
 * on an interval so that a small sample is inconclusive rather than a pass or
 * a breach:
 *
 * - advance criteria use an anytime-valid confidence sequence at
 *   `policy.confidence` (sequential/confidence-sequence.ts) when
 *   `opts.sequential` (the Wilson interval otherwise, phase 1): `< t` passes only
 *   when the whole sequence interval is below t, fails ("definitely failing")
 *   when it is entirely at or above t, and is inconclusive otherwise. Looking
 *   after every check does not erode the guarantee.
 * - rollback criteria on ratios are judged by the stage's CUSUM in decide.ts
 *   (sequential/rollback-detector.ts). This function's rollback path is the
 *   fallback when no increment is known (a sliding window before the runtime
 *   supplies increments): the exact Clopper–Pearson interval at the look's
 *   confidence (stats.ts lookConfidence). A point estimate on the breach side
 *   that the interval does not prove yet is `inconclusive`.
 */

export type CriterionKind = 'advance' | 'rollback';

/** advance: pass | fail | inconclusive; rollback: breach | ok | inconclusive; both: no-data | error */
export type Verdict = 'pass' | 'fail' | 'inconclusive' | 'breach' | 'ok' | 'no-data' | 'error';

export interface CriterionResult {
  readonly criterion: Criterion;
  readonly kind: CriterionKind;
  readonly verdict: Verdict;
  /** the measured value (the ratio for ratios); null for no data or an error */
  readonly value: number | null;
  /** the interval the verdict was judged on; null when compared directly */
  readonly interval: Interval | null;
  /** the two-sided confidence of `interval` */
  readonly confidence: number | null;
  /** the denominator of a ratio: how many samples the interval rests on */
  readonly samples: number | null;
  readonly reason: string;
  /** rollback criteria judged by the CUSUM: the evidence so far against the threshold to act */
  readonly evidence?: {
    readonly statistic: number;
    readonly threshold: number;
    readonly trials: number;
    readonly events: number;
  };
}

export interface JudgeOptions {
  /** policy.confidence */
  readonly confidence: number;
  /** 1-based look of this rollback criterion in the current stage (default 1) */
  readonly look?: number;
  /** advance ratios on the anytime-valid confidence sequence instead of Wilson (default false, phase 1) */
  readonly sequential?: boolean;
}

export function compare(value: number, op: ComparisonOp, threshold: number): boolean {
  switch (op) {
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
    case '==':
      return value === threshold;
    case '!=':
      return value !== threshold;
  }
}

const ORDER_OPS: ReadonlySet<ComparisonOp> = new Set(['<', '<=', '>', '>=']);

function isProportion(m: Extract<Measurement, { kind: 'ratio' }>): boolean {
  return m.denominator > 0 && m.numerator >= 0 && m.numerator <= m.denominator;
}

interface Base {
  criterion: Criterion;
  kind: CriterionKind;
}

function direct(b: Base, value: number): CriterionResult {
  const c = b.criterion;
  const holds = compare(value, c.op, c.threshold);
  const shown = `${c.metric} ${formatValue(value, c.percent)}`;
  const threshold = formatThreshold(c);
  let verdict: Verdict;
  let reason: string;
  if (b.kind === 'advance') {
    verdict = holds ? 'pass' : 'fail';
    reason = holds ? `${shown} ${threshold}` : `${shown} needs ${threshold}`;
  } else {
    verdict = holds ? 'breach' : 'ok';
    reason = holds ? `${shown} breaches ${threshold}` : `${shown} within rollback ${threshold}`;
  }
  return {
    criterion: b.criterion,
    kind: b.kind,
    verdict,
    value,
    interval: null,
    confidence: null,
    samples: null,
    reason,
  };
}

function onInterval(
  b: Base,
  m: Extract<Measurement, { kind: 'ratio' }>,
  interval: Interval,
  confidence: number,
): CriterionResult {
  const c = b.criterion;
  const value = m.numerator / m.denominator;
  const [lo, hi] = interval;
  // for an order comparison, "holds for every rate in the interval" is decided by its two ends
  const all = compare(lo, c.op, c.threshold) && compare(hi, c.op, c.threshold);
  const none = !compare(lo, c.op, c.threshold) && !compare(hi, c.op, c.threshold);
  const shown = `${c.metric} ${formatValue(value, c.percent)} (${formatInterval(interval, c.percent)}, ${formatCount(
    m.numerator,
  )}/${formatCount(m.denominator)})`;
  const threshold = formatThreshold(c);
  const level = formatConfidence(confidence);
  let verdict: Verdict;
  let reason: string;
  if (b.kind === 'advance') {
    verdict = all ? 'pass' : none ? 'fail' : 'inconclusive';
    reason =
      verdict === 'pass'
        ? `${shown} ${threshold}`
        : verdict === 'fail'
          ? `${shown} needs ${threshold}`
          : `${shown} needs ${threshold}: inconclusive at ${level}`;
  } else if (all) {
    verdict = 'breach';
    reason = `${shown} breaches ${threshold} at ${level}`;
  } else if (compare(value, c.op, c.threshold)) {
    verdict = 'inconclusive';
    reason = `${shown} breaches ${threshold} but not yet at ${level}`;
  } else {
    verdict = 'ok';
    reason = `${shown} within rollback ${threshold}`;
  }
  return {
    criterion: b.criterion,
    kind: b.kind,
    verdict,
    value,
    interval,
    confidence,
    samples: m.denominator,
    reason,
  };
}

export function judgeCriterion(
  c: Criterion,
  kind: CriterionKind,
  m: Measurement,
  opts: JudgeOptions,
): CriterionResult {
  const b: Base = { criterion: c, kind };
  switch (m.kind) {
    case 'error':
      return {
        criterion: b.criterion,
        kind: b.kind,
        verdict: 'error',
        value: null,
        interval: null,
        confidence: null,
        samples: null,
        reason: `${c.metric}: provider error ${m.code}: ${m.message}`,
      };
    case 'no-data':
      return noData(b, m.reason);
    case 'value':
      if (!Number.isFinite(m.value)) {
        return {
          criterion: b.criterion,
          kind: b.kind,
          verdict: 'error',
          value: null,
          interval: null,
          confidence: null,
          samples: null,
          reason: `${c.metric}: provider returned ${m.value}`,
        };
      }
      return direct(b, m.value);
    case 'ratio': {
      // no data is not zero: an empty denominator means nothing was measured
      if (!(m.denominator > 0)) return noData(b, 'denominator is 0');
      if (!ORDER_OPS.has(c.op) || !isProportion(m)) return direct(b, m.numerator / m.denominator);
      if (kind === 'advance') {
        const interval =
          opts.sequential === true
            ? betaBinomialSequence(m.numerator, m.denominator, opts.confidence, c.threshold)
            : wilsonInterval(m.numerator, m.denominator, opts.confidence);
        if (interval) return onInterval(b, m, interval, opts.confidence);
      } else {
        const confidence = lookConfidence(opts.confidence, opts.look ?? 1);
        const interval = clopperPearsonInterval(m.numerator, m.denominator, confidence);
        if (interval) return onInterval(b, m, interval, confidence);
      }
      return noData(b, 'denominator is 0');
    }
  }
}

function noData(b: Base, why: string): CriterionResult {
  return {
    criterion: b.criterion,
    kind: b.kind,
    verdict: 'no-data',
    value: null,
    interval: null,
    confidence: null,
    samples: null,
    reason: `${b.criterion.metric}: no data (${why})`,
  };
}
