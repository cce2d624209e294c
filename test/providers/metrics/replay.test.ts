import { describe, expect, it } from 'vitest';
import type { MetricQuery } from '../../../src/ports/metrics-provider.js';
import { ReplayMetricsProvider } from '../../../src/providers/metrics/replay.js';
import { parseSeriesText } from '../../../src/providers/metrics/replay-series.js';
import type { MetricSpec } from '../../../src/rollout/types.js';
import { MIN, T0, ratioMetric, valueMetric } from '../../engine/rollout-factory.js';
import { CSV } from './replay-csv.js';

/* The replay provider behind `stagegate simulate` (src/providers/metrics/replay.ts). */

function metricsOf(...specs: MetricSpec[]): Record<string, MetricSpec> {
  return Object.fromEntries(specs.map((s) => [s.name, s]));
}

function withAggregator(name: string, aggregator: string): MetricSpec {
  return { ...valueMetric(name), query: { kind: 'value', query: `q:${name}`, aggregator } };
}

describe('ReplayMetricsProvider: no data as zero', () => {
  const SERIES = `time,metric,value,numerator,denominator,status,message
+0m,calls,1,,,,
+0m,wrapped,1,,,,
+0m,plain,1,,,,
+5m,calls,,,,error,Datadog 503
+6m,calls,,,,no-data,
`;
  const calls = { ...valueMetric('calls'), noData: 'zero' as const };
  const wrapped: MetricSpec = {
    ...valueMetric('wrapped'),
    query: { kind: 'value', query: 'default_zero(sum:calls{*}.as_count())', aggregator: 'sum' },
  };
  const plain = valueMetric('plain');
  const p = new ReplayMetricsProvider(parseSeriesText(SERIES, 's.csv'), T0, metricsOf(calls, wrapped, plain));
  const w = (fromMin: number, toMin: number) => ({ from: T0 + fromMin * MIN, to: T0 + toMin * MIN });

  it('reads an empty window as 0 for noData: zero and default_zero(...), and as no data otherwise', () => {
    expect(p.measure('calls', calls.query, w(1, 4))).toEqual({ kind: 'value', value: 0 });
    expect(p.measure('wrapped', wrapped.query, w(1, 4))).toEqual({ kind: 'value', value: 0 });
    expect(p.measure('plain', plain.query, w(1, 4))).toEqual({
      kind: 'no-data',
      reason: 'no points in the window',
    });
    expect(p.measure('calls', calls.query, w(0, 4))).toEqual({ kind: 'value', value: 1 });
  });

  it('keeps an outage an error, and reads a recorded no-data as 0', () => {
    expect(p.measure('calls', calls.query, w(5, 6))).toMatchObject({ kind: 'error' });
    expect(p.measure('calls', calls.query, w(6, 9))).toEqual({ kind: 'value', value: 0 });
  });

  it('refuses a row naming a metric the rollout does not have, even `constructor`', () => {
    expect(
      () =>
        new ReplayMetricsProvider(
          parseSeriesText('time,metric,value\n+0m,constructor,1\n', 's.csv'),
          T0,
          metricsOf(plain),
        ),
    ).toThrow(/metric "constructor" is not a metric of the rollout/);
  });
});

describe('ReplayMetricsProvider', () => {
  const metrics = metricsOf(ratioMetric('error_rate'), valueMetric('sent'));
  const provider = new ReplayMetricsProvider(parseSeriesText(CSV, 's.csv'), T0, metrics);
  const ratioQuery = metrics.error_rate?.query as MetricQuery;
  const at = (fromMin: number, toMin: number) => ({ from: T0 + fromMin * MIN, to: T0 + toMin * MIN });

  it('sums numerators and denominators over [from, to)', () => {
    expect(provider.measure('error_rate', ratioQuery, at(0, 10))).toEqual({
      kind: 'ratio',
      numerator: 4,
      denominator: 200,
      value: 0.02,
    });
    // a row at `to` belongs to the next window
    expect(provider.measure('error_rate', ratioQuery, at(0, 5))).toMatchObject({
      numerator: 1,
      denominator: 100,
    });
  });

  it('no rows in the window is no data, never zero', () => {
    expect(provider.measure('error_rate', ratioQuery, at(30, 40))).toEqual({
      kind: 'no-data',
      reason: 'no points in the window',
    });
  });

  it('an empty denominator is no data', () => {
    expect(provider.measure('error_rate', ratioQuery, at(20, 25))).toEqual({
      kind: 'no-data',
      reason: 'the denominator is empty',
    });
  });

  it('an error row is an outage until the metric’s next row', () => {
    expect(provider.measure('error_rate', ratioQuery, at(0, 11))).toEqual({
      kind: 'error',
      code: 'E_PROVIDER_UNREACHABLE',
      message: 'Datadog 503',
    });
    expect(provider.measure('error_rate', ratioQuery, at(0, 15))).toMatchObject({ kind: 'error' });
    expect(provider.measure('error_rate', ratioQuery, at(0, 16))).toMatchObject({
      kind: 'ratio',
      denominator: 200,
    });
  });

  it.each([
    ['sum', 60],
    ['area', 60],
    ['avg', 20],
    ['mean', 20],
    ['min', 10],
    ['max', 30],
    ['count', 3],
    ['last', 20],
    ['percentile', 20],
    ['l2norm', Math.sqrt(100 + 900 + 400)],
  ])('a value metric aggregated with %s reads %s', (aggregator, expected) => {
    const spec = withAggregator('latency', aggregator);
    const p = new ReplayMetricsProvider(
      parseSeriesText('time,metric,value\n+0m,latency,10\n+5m,latency,30\n+10m,latency,20\n', 'l.csv'),
      T0,
      metricsOf(spec),
    );
    expect(p.measure('latency', spec.query, at(0, 15))).toEqual({ kind: 'value', value: expected });
  });

  it('events metrics sum their buckets', () => {
    const spec: MetricSpec = {
      name: 'users',
      provider: undefined,
      query: {
        kind: 'events',
        source: 'rum',
        search: '@type:view',
        aggregation: 'cardinality',
        facet: '@usr.id',
      },
      window: { kind: 'stage' },
    };
    const p = new ReplayMetricsProvider(
      parseSeriesText('time,metric,value\n+0m,users,4\n+5m,users,6\n', 'u.csv'),
      T0,
      metricsOf(spec),
    );
    expect(p.measure('users', spec.query, at(0, 10))).toEqual({ kind: 'value', value: 10 });
  });

  it('answers query() by the metric’s query and queryMany() in request order', async () => {
    await expect(provider.query(ratioQuery, at(0, 10))).resolves.toMatchObject({
      kind: 'ratio',
      numerator: 4,
    });
    await expect(
      provider.query({ kind: 'value', query: 'unknown', aggregator: 'sum' }, at(0, 10)),
    ).resolves.toMatchObject({
      kind: 'error',
      code: 'E_PROVIDER_BAD_REQUEST',
    });
    const answers = await provider.queryMany([
      { id: 'sent', query: metrics.sent?.query as MetricQuery, window: at(0, 10) },
      { id: 'error_rate', query: ratioQuery, window: at(0, 5) },
    ]);
    expect(answers).toEqual([
      { kind: 'value', value: 220 },
      { kind: 'ratio', numerator: 1, denominator: 100, value: 0.01 },
    ]);
    expect(provider.lastTime()).toBe(T0 + 20 * MIN);
  });

  it('refuses rows for metrics the rollout does not have, and rows of the wrong kind', () => {
    expect(
      () =>
        new ReplayMetricsProvider(parseSeriesText('time,metric,value\n+0m,typo,1\n', 't.csv'), T0, metrics),
    ).toThrow('t.csv:2: metric "typo" is not a metric of the rollout (error_rate, sent)');
    expect(
      () =>
        new ReplayMetricsProvider(
          parseSeriesText('time,metric,value\n+0m,error_rate,1\n', 't.csv'),
          T0,
          metrics,
        ),
    ).toThrow('t.csv:2: error_rate is a ratio: give numerator and denominator');
    expect(
      () =>
        new ReplayMetricsProvider(
          parseSeriesText('time,metric,numerator,denominator\n+0m,sent,1,2\n', 't.csv'),
          T0,
          metrics,
        ),
    ).toThrow('t.csv:2: sent takes a value');
  });
});
