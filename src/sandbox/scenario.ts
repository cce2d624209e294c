/*
 * Scenario model of the Datadog sandbox (pure): what a query "measures" over
 * a window. A scenario maps a key — the metric query string exactly as the
 * rollout file writes it, or `eventsKey(...)` for logs/RUM searches — to a
 * series:
 *
 *   null                          no data at all (the query matches nothing)
 *   { perSecond: 2 }              a count: 2 events per second, summed over the window
 *                                 (whole events: 0.5/s gives 1 event in every other second)
 *   { perSecond: (t) => … }       a count whose rate changes with time (t: epoch ms), rounded
 *   { points: [[t, v], …] }       explicit points (epoch ms, value); none in the window = no data
 *   { window: (from, to) => v }   full control: the window's value (null = no data)
 *   { groups: { prod: s1, … } }   one row per group value, for queries with `by {…}`
 *
 * A window [from, to) is answered with the aggregator of the query: `sum`
 * adds counts (a rate is integrated over the window); `avg`/`mean` is the
 * mean per-second rate (or the mean of the points); `min`/`max`/`last` of the
 * rate or points; other aggregators behave as `avg`. Time-varying rates are
 * integrated numerically in at most 3,600 steps (1 s steps up to an hour).
 */

export type SeriesSpec =
  | null
  | { readonly perSecond: number | ((t: number) => number) }
  | { readonly points: ReadonlyArray<readonly [t: number, value: number]> }
  | { readonly window: (from: number, to: number) => number | null }
  | { readonly groups: Readonly<Record<string, SeriesSpec>> };

export type EventsSource = 'logs' | 'rum';

/** The scenario key of a logs/RUM search; cardinality of a facet may have a series of its own. */
export function eventsKey(
  source: EventsSource,
  search: string,
  aggregation: 'count' | 'cardinality' = 'count',
  facet?: string,
): string {
  return aggregation === 'cardinality' && facet
    ? `${source}:cardinality(${facet}):${search}`
    : `${source}:${search}`;
}

const MAX_STEPS = 3600;

function integrateRate(rate: (t: number) => number, from: number, to: number, aggregator: string): number {
  const step = Math.max(1000, Math.ceil((to - from) / MAX_STEPS));
  let total = 0;
  let min = Infinity;
  let max = -Infinity;
  let last = 0;
  for (let t = from; t < to; t += step) {
    const dt = Math.min(step, to - t);
    const r = rate(t + dt / 2);
    total += (r * dt) / 1000;
    min = Math.min(min, r);
    max = Math.max(max, r);
    last = r;
  }
  switch (aggregator) {
    case 'sum':
      return total;
    case 'min':
      return min;
    case 'max':
      return max;
    case 'last':
      return last;
    default:
      return total / ((to - from) / 1000);
  }
}

function aggregatePoints(values: readonly number[], aggregator: string): number | null {
  if (values.length === 0) return null;
  switch (aggregator) {
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'min':
      return Math.min(...values);
    case 'max':
      return Math.max(...values);
    case 'last':
      return values[values.length - 1] as number;
    default:
      return values.reduce((a, b) => a + b, 0) / values.length;
  }
}

/** The value of an ungrouped series over [from, to); null is no data. */
export function evaluateSeries(
  spec: SeriesSpec,
  from: number,
  to: number,
  aggregator: string,
): number | null {
  if (spec === null || to <= from) return null;
  if ('perSecond' in spec) {
    const rate = spec.perSecond;
    if (typeof rate === 'number') {
      // whole events, and additive: counts of adjacent windows add up to the count of both
      return aggregator === 'sum' ? Math.floor((rate * to) / 1000) - Math.floor((rate * from) / 1000) : rate;
    }
    const value = integrateRate(rate, from, to, aggregator);
    return aggregator === 'sum' ? Math.round(value) : value;
  }
  if ('points' in spec) {
    const inWindow = spec.points.filter(([t]) => t >= from && t < to).map(([, v]) => v);
    return aggregatePoints(inWindow, aggregator);
  }
  if ('window' in spec) return spec.window(from, to);
  // a grouped series asked for as a whole: the rows combined the way a gate would combine them
  const rows = Object.values(spec.groups)
    .map((s) => evaluateSeries(s, from, to, aggregator))
    .filter((v): v is number => v !== null);
  return aggregatePoints(rows, aggregator === 'min' || aggregator === 'max' ? aggregator : 'sum');
}

export type QueryRows =
  | { readonly kind: 'single'; readonly value: number | null }
  | { readonly kind: 'grouped'; readonly rows: ReadonlyMap<string, number | null> };

export function evaluateRows(
  spec: SeriesSpec | undefined,
  from: number,
  to: number,
  aggregator: string,
): QueryRows {
  if (spec && 'groups' in spec) {
    const rows = new Map<string, number | null>();
    for (const [group, s] of Object.entries(spec.groups))
      rows.set(group, evaluateSeries(s, from, to, aggregator));
    return { kind: 'grouped', rows };
  }
  return { kind: 'single', value: evaluateSeries(spec ?? null, from, to, aggregator) };
}
