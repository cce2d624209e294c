import { describe, expect, it } from 'vitest';
import {
  MAX_BUCKETS,
  derivesFromIncrements,
  foldIncrement,
  incrementWindow,
  windowValue,
  type MetricLedger,
} from '../../src/engine/increments.js';
import type { Measurement } from '../../src/ports/metrics-provider.js';
import type { MetricSpec } from '../../src/rollout/types.js';
import { MIN, T0, ratio, ratioMetric, value, valueMetric } from './rollout-factory.js';

/* Windows summed from each check's increments (src/engine/increments.ts). */

const rate15 = ratioMetric('error_rate', { kind: 'duration', ms: 15 * MIN });
const rateStage = ratioMetric('error_rate');
const sent = valueMetric('sent');

function feed(spec: MetricSpec, answers: readonly Measurement[], every = 5 * MIN): MetricLedger | undefined {
  let entry: MetricLedger | undefined;
  answers.forEach((a, i) => {
    entry = foldIncrement(spec, entry, { from: T0 + i * every, to: T0 + (i + 1) * every }, a).entry;
  });
  return entry;
}

describe('which metrics are summed from increments', () => {
  it.each<[string, MetricSpec, boolean]>([
    ['a ratio of counts', rate15, true],
    ['a value with aggregator sum', sent, true],
    ['an average', { ...sent, query: { kind: 'value', query: 'avg:latency{*}', aggregator: 'avg' } }, false],
    [
      'a cardinality of users (not a sum of its parts)',
      {
        ...sent,
        query: { kind: 'events', source: 'logs', search: 'x', aggregation: 'cardinality', facet: '@usr.id' },
      } as MetricSpec,
      false,
    ],
  ])('%s: %s', (_name, spec, derived) => {
    expect(derivesFromIncrements(spec)).toBe(derived);
  });
});

describe('the increment window', () => {
  it('starts at the stage start, then at the end of the last increment, and ends at now − settle', () => {
    expect(incrementWindow(undefined, 'error_rate', T0 + 60 * MIN, T0)).toEqual({
      from: T0,
      to: T0 + 59 * MIN,
    });
    const entry = feed(rateStage, [ratio(1, 100)]);
    expect(incrementWindow({ error_rate: entry! }, 'error_rate', T0 + 60 * MIN, T0)).toEqual({
      from: T0 + 5 * MIN,
      to: T0 + 59 * MIN,
    });
  });

  it('never reaches back before the stage start', () => {
    const entry = feed(rateStage, [ratio(1, 100)]);
    const w = incrementWindow({ error_rate: entry! }, 'error_rate', T0 + 60 * MIN, T0 + 30 * MIN);
    expect(w.from).toBe(T0 + 30 * MIN);
  });
});

describe('window sums', () => {
  it('a sliding window sums the increments it covers: the last three of five-minute checks for 15m', () => {
    const entry = feed(rate15, [ratio(9, 100), ratio(1, 100), ratio(2, 100), ratio(3, 100)]);
    expect(windowValue(rate15, entry)).toEqual({
      kind: 'ratio',
      numerator: 6,
      denominator: 300,
      value: 0.02,
    });
  });

  it('pro-rates an increment that straddles the window start', () => {
    // 10-minute increments, 15-minute window: half of the older one counts
    const entry = feed(rate15, [ratio(10, 200), ratio(4, 100)], 10 * MIN);
    expect(windowValue(rate15, entry)).toMatchObject({ numerator: 9, denominator: 200 });
  });

  it('the stage window is every increment of the stage; no answer at all is no data, not zero', () => {
    expect(windowValue(rateStage, feed(rateStage, [ratio(1, 100), ratio(2, 50)]))).toEqual({
      kind: 'ratio',
      numerator: 3,
      denominator: 150,
      value: 0.02,
    });
    const silent: Measurement = { kind: 'no-data', reason: 'empty series' };
    expect(windowValue(sent, feed(sent, [silent, silent]))).toMatchObject({ kind: 'no-data' });
    expect(windowValue(sent, feed(sent, [silent, value(4)]))).toEqual({ kind: 'value', value: 4 });
  });

  it('keeps at most MAX_BUCKETS buckets by merging the oldest, and the sum stays exact', () => {
    const hour = ratioMetric('error_rate', { kind: 'duration', ms: 60 * MIN });
    const answers = Array.from({ length: 300 }, () => ratio(1, 10));
    const entry = feed(hour, answers, 10_000);
    expect(entry!.buckets.length).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(windowValue(hour, entry)).toMatchObject({ numerator: 300, denominator: 3000 });
  });
});

describe('folding one answer', () => {
  it('a provider error leaves the ledger as it was, so the next increment covers both checks', () => {
    const before = feed(rateStage, [ratio(1, 100)]);
    const err: Measurement = { kind: 'error', code: 'E_PROVIDER_UNREACHABLE', message: '503' };
    const folded = foldIncrement(rateStage, before, { from: T0 + 5 * MIN, to: T0 + 10 * MIN }, err);
    expect(folded.entry).toBe(before);
    expect(folded.increment).toBeUndefined();
    expect(folded.measurement).toBe(err);
  });

  it('a ratio gives its detector the increment; an empty one (nothing new) has zero trials', () => {
    const folded = foldIncrement(rateStage, undefined, { from: T0, to: T0 + 5 * MIN }, ratio(3, 40));
    expect(folded.increment).toEqual({ from: T0, to: T0 + 5 * MIN, events: 3, trials: 40 });
    const empty = foldIncrement(rateStage, folded.entry, { from: T0 + 5 * MIN, to: T0 + 5 * MIN }, undefined);
    expect(empty.increment).toEqual({ from: T0 + 5 * MIN, to: T0 + 5 * MIN, events: 0, trials: 0 });
    expect(empty.measurement).toMatchObject({ numerator: 3, denominator: 40 });
  });
});
