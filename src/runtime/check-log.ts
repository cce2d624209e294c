import type { Measurement } from '../ports/metrics-provider.js';
import type { MetricReading } from '../ports/notifier.js';

/*
 * The one line per check on-call reads at 3 a.m. (DESIGN.md §9): for every
 * metric its value (and interval for ratios) against each criterion that
 * reads it, with the verdict — then the decision and why. Pure, so the exact
 * shape is tested without a logger.
 */

/** What the runner knows of one criterion's judgement, engine-agnostic. */
export interface JudgedCriterion {
  readonly text: string;
  readonly metric: string;
  readonly kind: 'advance' | 'rollback';
  readonly verdict: string;
  readonly value: number | null;
  readonly interval: readonly [number, number] | null;
  readonly reason: string | null;
  /** a rollback detector's state: `evidence 3.7 of 9.1 (CUSUM, 100 trials this stage)` */
  readonly evidence?: string;
}

export interface MetricLogField {
  readonly value: number | null;
  readonly interval?: readonly [number, number];
  /** numerator/denominator for ratios: how many events the value rests on */
  readonly counts?: string;
  /** no-data / error: why there is no value */
  readonly missing?: string;
  /** `criterion → verdict`, e.g. `error_rate < 5% → pass` */
  readonly vs: readonly string[];
  /** `criterion: evidence … of …`: how close each rollback detector is to acting */
  readonly evidence?: readonly string[];
}

const round = (n: number): number => Number(n.toPrecision(4));

export function metricFields(
  measurements: Readonly<Record<string, Measurement>>,
  results: readonly JudgedCriterion[],
): Record<string, MetricLogField> {
  const out: Record<string, MetricLogField> = {};
  const names = new Set([...Object.keys(measurements), ...results.map((r) => r.metric)]);
  for (const name of [...names].sort()) {
    const m = measurements[name];
    const judged = results.filter((r) => r.metric === name);
    const interval = judged.find((r) => r.interval !== null)?.interval ?? null;
    const evidence = judged.filter((r) => r.evidence !== undefined).map((r) => `${r.text}: ${r.evidence}`);
    const value = m && (m.kind === 'value' || m.kind === 'ratio') ? round(m.value) : null;
    out[name] = {
      value,
      ...(interval && { interval: [round(interval[0]), round(interval[1])] as const }),
      ...(m?.kind === 'ratio' && { counts: `${round(m.numerator)}/${round(m.denominator)}` }),
      ...(m?.kind === 'no-data' && { missing: `no data: ${m.reason}` }),
      ...(m?.kind === 'error' && { missing: `${m.code}: ${m.message}` }),
      vs: judged.map((r) => `${r.text} → ${r.verdict}`),
      ...(evidence.length > 0 && { evidence }),
    };
  }
  return out;
}

/** The same readings, in the notification port's shape. */
export function metricReadings(results: readonly JudgedCriterion[]): MetricReading[] {
  const byMetric = new Map<string, JudgedCriterion[]>();
  for (const r of results) byMetric.set(r.metric, [...(byMetric.get(r.metric) ?? []), r]);
  return [...byMetric.entries()].map(([metric, rs]) => ({
    metric,
    value: rs[0]?.value ?? null,
    interval: rs.find((r) => r.interval !== null)?.interval ?? null,
    criteria: rs.map((r) => r.text),
    verdict: rs.map((r) => r.verdict).join(', '),
  }));
}

export type CheckLevel = 'info' | 'warn' | 'error';

/** Rollbacks are errors; no data, provider errors and held-too-long are warnings; the rest is info. */
export function checkLevel(
  action: string,
  measurements: Readonly<Record<string, Measurement>>,
  heldTooLong: boolean,
): CheckLevel {
  if (action === 'rollback') return 'error';
  if (heldTooLong) return 'warn';
  if (Object.values(measurements).some((m) => m.kind === 'no-data' || m.kind === 'error')) return 'warn';
  return 'info';
}
