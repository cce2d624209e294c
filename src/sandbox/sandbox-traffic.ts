import type { ComparisonOp, Criterion, MetricSpec, Rollout } from '../rollout/types.js';
import { eventsKey, type SeriesSpec } from './scenario.js';

/*
 * What `stagegate sandbox` makes a rollout's metrics measure (pure). Healthy:
 * every advance criterion passes by a clear margin and no rollback criterion
 * is near; breached: every rollback criterion of the rollout is broken. Counts
 * grow with the toggle's exposure (`percent()`, read from the Flipper sandbox),
 * like real traffic.
 */

export type Health = 'healthy' | 'breached';

const below = (op: ComparisonOp): boolean => op === '<' || op === '<=';
const above = (op: ComparisonOp): boolean => op === '>' || op === '>=';

/** The share a ratio metric shows: inside every advance criterion, or across a rollback one. */
export function ratioShare(metric: string, rollout: Pick<Rollout, 'criteria'>, health: Health): number {
  const of = (list: readonly Criterion[]) => list.filter((c) => c.metric === metric);
  if (health === 'breached') {
    const guard = of(rollout.criteria.rollback)[0];
    if (guard) return above(guard.op) ? Math.min(1, guard.threshold * 3 + 0.05) : guard.threshold / 4;
  }
  const advance = of(rollout.criteria.advance);
  const floor = Math.max(0, ...advance.filter((c) => above(c.op)).map((c) => c.threshold));
  const ceiling = Math.min(1, ...advance.filter((c) => below(c.op)).map((c) => c.threshold));
  if (advance.some((c) => above(c.op))) return Math.min(0.95, floor + (1 - floor) / 2, ceiling);
  return advance.length > 0 ? ceiling / 5 : 0.01;
}

/** A value metric's window value when it must breach, or undefined: it counts traffic. */
export function valueOverride(
  metric: string,
  rollout: Pick<Rollout, 'criteria'>,
  health: Health,
): number | undefined {
  if (health === 'breached') {
    const guard = rollout.criteria.rollback.find((c) => c.metric === metric);
    if (guard) return above(guard.op) ? guard.threshold * 2 + 1 : 0;
  }
  const limit = rollout.criteria.advance.find((c) => c.metric === metric && below(c.op));
  // a count that must stay low (contact-center calls < 2): none at all while healthy
  return limit ? 0 : undefined;
}

export interface SeriesFor {
  readonly key: string;
  readonly spec: SeriesSpec;
}

/** Every series one metric needs, at the given health. */
export function seriesForMetric(
  metric: MetricSpec,
  rollout: Pick<Rollout, 'criteria'>,
  health: Health,
  percent: () => number,
): SeriesFor[] {
  const traffic = (): number => 20 + 2 * percent();
  const q = metric.query;
  if (q.kind === 'ratio') {
    const share = ratioShare(metric.name, rollout, health);
    return [
      { key: q.denominator, spec: { perSecond: () => traffic() } },
      { key: q.numerator, spec: { perSecond: () => traffic() * share } },
    ];
  }
  const fixed = valueOverride(metric.name, rollout, health);
  const spec: SeriesSpec = fixed === undefined ? { perSecond: () => traffic() } : { window: () => fixed };
  const key = q.kind === 'value' ? q.query : eventsKey(q.source, q.search, q.aggregation, q.facet);
  return [{ key, spec }];
}
