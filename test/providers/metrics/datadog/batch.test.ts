import { describe, expect, it } from 'vitest';
import type { MetricRequest } from '../../../../src/ports/metrics-provider.js';
import { planRequests, queryName } from '../../../../src/providers/metrics/datadog/batch.js';

const W1 = { from: 1000, to: 2000 };
const W2 = { from: 500, to: 2000 };

const v = (query: string, aggregator = 'sum', window = W1): MetricRequest => ({
  id: query,
  query: { kind: 'value', query, aggregator },
  window,
});
const r = (numerator: string, denominator: string, window = W1): MetricRequest => ({
  id: numerator,
  query: { kind: 'ratio', numerator, denominator },
  window,
});
const logs = (search: string, window = W1): MetricRequest => ({
  id: search,
  query: { kind: 'events', source: 'logs', search, aggregation: 'count', facet: undefined },
  window,
});

describe('queryName', () => {
  it.each([
    [0, 'a'],
    [1, 'b'],
    [25, 'z'],
    [26, 'aa'],
    [27, 'ab'],
    [51, 'az'],
    [52, 'ba'],
    [701, 'zz'],
    [702, 'aaa'],
  ])('%i → %s', (i, name) => {
    expect(queryName(i)).toBe(name);
  });
});

describe('planRequests', () => {
  it('puts values and ratios of one window in one batch, deduplicating query text per aggregator', () => {
    const plan = planRequests([v('q1'), r('num', 'q1'), v('q1', 'avg'), r('num', 'den')]);
    expect(plan.settled.size).toBe(0);
    expect(plan.events).toEqual([]);
    expect(plan.scalar).toEqual([
      {
        window: W1,
        queries: [
          { name: 'a', query: 'q1', aggregator: 'sum' },
          { name: 'b', query: 'num', aggregator: 'sum' },
          { name: 'c', query: 'q1', aggregator: 'avg' },
          { name: 'd', query: 'den', aggregator: 'sum' },
        ],
        slots: [
          { index: 0, kind: 'value', ref: 'a', aggregator: 'sum', count: false },
          { index: 1, kind: 'ratio', numerator: 'b', denominator: 'a' },
          { index: 2, kind: 'value', ref: 'c', aggregator: 'avg', count: false },
          { index: 3, kind: 'ratio', numerator: 'b', denominator: 'd' },
        ],
      },
    ]);
  });

  it('splits batches by window and gives each events metric its own job', () => {
    const plan = planRequests([v('q1'), logs('status:error'), v('q1', 'sum', W2), logs('status:warn', W2)]);
    expect(plan.scalar.map((b) => [b.window, b.slots.map((s) => s.index)])).toEqual([
      [W1, [0]],
      [W2, [2]],
    ]);
    expect(plan.events.map((e) => [e.index, e.window])).toEqual([
      [1, W1],
      [3, W2],
    ]);
  });

  it('settles what needs no request', () => {
    const plan = planRequests([
      v('q1', 'sum', { from: 10, to: 10 }),
      v('q1', 'count'),
      {
        id: 'u',
        query: {
          kind: 'events',
          source: 'rum',
          search: '@type:view',
          aggregation: 'cardinality',
          facet: undefined,
        },
        window: W1,
      },
    ]);
    expect(plan.scalar).toEqual([]);
    expect(plan.events).toEqual([]);
    expect([...plan.settled.entries()]).toEqual([
      [0, { kind: 'no-data', reason: 'the window is empty (the stage has just begun)' }],
      [
        1,
        {
          kind: 'error',
          code: 'E_PROVIDER_BAD_REQUEST',
          message:
            'Datadog scalar queries do not accept the aggregator "count" (use one of sum, avg, min, max, last, percentile, mean, l2norm, area; for counts: sum with .as_count())',
        },
      ],
      [
        2,
        {
          kind: 'error',
          code: 'E_PROVIDER_BAD_REQUEST',
          message: 'cardinality needs a facet to count distinct values of, e.g. @usr.id',
        },
      ],
    ]);
  });
});
