import type { Criterion, Rollout } from '../rollout/types.js';

/*
 * Numbers as people read them in reasons and timelines. A criterion written
 * with `%` shows its values as percentages; anything else as a plain number.
 * Three significant digits are enough to compare against a threshold and
 * short enough for a log line read at 3 a.m.
 */

function trim(n: number, digits: number): string {
  if (n === 0) return '0';
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return String(n);
  return String(Number(n.toPrecision(digits)));
}

/** A measured value or threshold, in the criterion's unit. */
export function formatValue(value: number, percent: boolean): string {
  return percent ? `${trim(value * 100, 3)}%` : trim(value, 4);
}

/** `(1.2–3.8%)` / `(0.12–0.38)` */
export function formatInterval(interval: readonly [number, number], percent: boolean): string {
  const [lo, hi] = interval;
  if (percent) return `${trim(lo * 100, 3)}–${trim(hi * 100, 3)}%`;
  return `${trim(lo, 3)}–${trim(hi, 3)}`;
}

/** `< 5%`, `>= 2` */
export function formatThreshold(c: Criterion): string {
  return `${c.op} ${formatValue(c.threshold, c.percent)}`;
}

/** `99.2%` for a confidence level */
export function formatConfidence(confidence: number): string {
  return `${trim(confidence * 100, 4)}%`;
}

/** A count for reasons: integers as they are, fractions (rolled-up rates) rounded. */
export function formatCount(n: number): string {
  return trim(n, 4);
}

/** `stage-b (25%)` */
export function stageLabel(rollout: Rollout, index: number): string {
  const s = rollout.stages[index];
  return s ? `${s.name} (${formatCount(s.percent)}%)` : 'not started';
}
