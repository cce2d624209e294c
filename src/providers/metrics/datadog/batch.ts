import type { Measurement, MetricQuery, MetricRequest, TimeWindow } from '../../../ports/metrics-provider.js';
import { AGGREGATORS } from '../../../rollout/schema.js';
import { isEmptyWindow } from '../../../engine/window.js';

/*
 * How one check's metrics become as few Datadog requests as the API allows
 * (pure, so it is tested with tables):
 *   - every value and ratio metric over the same window goes into ONE v2
 *     scalar request: each distinct (query, aggregator) becomes a named query
 *     (a, b, c, …; a ratio's numerator and denominator are two `sum` queries,
 *     divided in code because a formula over an empty numerator comes back
 *     empty instead of 0), and the same query text used by two metrics is
 *     asked once;
 *   - a scalar request has a single from/to, so different windows are
 *     different requests;
 *   - each events metric (logs / RUM aggregate) is its own request;
 *   - what needs no request (an empty window, a query Datadog would refuse)
 *     is settled here.
 */

export type EventsQuery = Extract<MetricQuery, { kind: 'events' }>;

/** The rollout schema admits only aggregators Datadog's scalar API accepts. */
export const SCALAR_AGGREGATORS = AGGREGATORS;
export type ScalarAggregator = (typeof SCALAR_AGGREGATORS)[number];

export function isScalarAggregator(s: string): s is ScalarAggregator {
  return (SCALAR_AGGREGATORS as readonly string[]).includes(s);
}

export interface ScalarQuerySpec {
  readonly name: string;
  readonly query: string;
  readonly aggregator: ScalarAggregator;
}

export type ScalarSlot =
  | {
      readonly index: number;
      readonly kind: 'value';
      readonly ref: string;
      readonly aggregator: ScalarAggregator;
      /** a `.as_count()` query: a count, never negative */
      readonly count: boolean;
    }
  | {
      readonly index: number;
      readonly kind: 'ratio';
      readonly numerator: string;
      readonly denominator: string;
    };

export interface ScalarBatch {
  readonly window: TimeWindow;
  readonly queries: readonly ScalarQuerySpec[];
  readonly slots: readonly ScalarSlot[];
}

export interface EventsJob {
  readonly index: number;
  readonly window: TimeWindow;
  readonly query: EventsQuery;
}

export interface RequestPlan {
  /** answers known without asking Datadog, by request index */
  readonly settled: ReadonlyMap<number, Measurement>;
  readonly scalar: readonly ScalarBatch[];
  readonly events: readonly EventsJob[];
}

/** a, b, …, z, aa, ab, … — Datadog query names must start with a letter. */
export function queryName(i: number): string {
  let n = i;
  let name = '';
  do {
    name = String.fromCharCode(97 + (n % 26)) + name;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return name;
}

interface BatchBuilder {
  window: TimeWindow;
  queries: ScalarQuerySpec[];
  byKey: Map<string, string>;
  slots: ScalarSlot[];
}

function refFor(batch: BatchBuilder, query: string, aggregator: ScalarAggregator): string {
  const key = `${aggregator}\u0000${query}`;
  const known = batch.byKey.get(key);
  if (known) return known;
  const name = queryName(batch.queries.length);
  batch.queries.push({ name, query, aggregator });
  batch.byKey.set(key, name);
  return name;
}

export function planRequests(requests: readonly MetricRequest[]): RequestPlan {
  const settled = new Map<number, Measurement>();
  const batches = new Map<string, BatchBuilder>();
  const events: EventsJob[] = [];

  requests.forEach((req, index) => {
    const { query, window } = req;
    if (isEmptyWindow(window)) {
      settled.set(index, { kind: 'no-data', reason: 'the window is empty (the stage has just begun)' });
      return;
    }
    if (query.kind === 'events') {
      if (query.aggregation === 'cardinality' && !query.facet) {
        settled.set(index, {
          kind: 'error',
          code: 'E_PROVIDER_BAD_REQUEST',
          message: 'cardinality needs a facet to count distinct values of, e.g. @usr.id',
        });
        return;
      }
      events.push({ index, window, query });
      return;
    }
    const aggregator = query.kind === 'value' ? query.aggregator : 'sum';
    if (!isScalarAggregator(aggregator)) {
      settled.set(index, {
        kind: 'error',
        code: 'E_PROVIDER_BAD_REQUEST',
        message: `Datadog scalar queries do not accept the aggregator "${aggregator}" (use one of ${SCALAR_AGGREGATORS.join(', ')}; for counts: sum with .as_count())`,
      });
      return;
    }
    const windowKey = `${window.from}-${window.to}`;
    let batch = batches.get(windowKey);
    if (!batch) {
      batch = { window, queries: [], byKey: new Map(), slots: [] };
      batches.set(windowKey, batch);
    }
    if (query.kind === 'value') {
      batch.slots.push({
        index,
        kind: 'value',
        ref: refFor(batch, query.query, aggregator),
        aggregator,
        count: query.query.includes('.as_count()'),
      });
    } else {
      const numerator = refFor(batch, query.numerator, 'sum');
      const denominator = refFor(batch, query.denominator, 'sum');
      batch.slots.push({ index, kind: 'ratio', numerator, denominator });
    }
  });

  const scalar = [...batches.values()].map(({ window, queries, slots }) => ({ window, queries, slots }));
  return { settled, scalar, events };
}
