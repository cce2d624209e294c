import { describe, expect, it } from 'vitest';
import type { Measurement, MetricRequest, MetricsProvider } from '../../src/ports/metrics-provider.js';
import { planRequests } from '../../src/providers/metrics/datadog/batch.js';
import { measureCheck, measureRollout } from '../../src/runtime/measure.js';
import type { MetricSpec } from '../../src/rollout/types.js';
import { MIN, T0, makeRollout, ratioMetric, valueMetric } from '../engine/rollout-factory.js';

/*
 * measureCheck: ratio and sum metrics are asked for their increment since the
 * last one (one shared window), their windows summed from the increments;
 * the Datadog request count per check does not grow.
 */

/** Answers every ratio with 1 event per minute of 10 trials per minute of its window; records each call. */
class CountingProvider implements MetricsProvider {
  readonly name = 'counting';
  readonly calls: MetricRequest[][] = [];
  query(): Promise<Measurement> {
    return Promise.reject(new Error('unused'));
  }
  queryMany(requests: readonly MetricRequest[]): Promise<Measurement[]> {
    this.calls.push([...requests]);
    return Promise.resolve(
      requests.map(({ query, window }) => {
        const minutes = (window.to - window.from) / MIN;
        if (query.kind === 'ratio')
          return { kind: 'ratio', numerator: minutes, denominator: 10 * minutes, value: 0.1 };
        return { kind: 'value', value: minutes };
      }),
    );
  }
}

const latency: MetricSpec = {
  ...valueMetric('p95_latency', { kind: 'duration', ms: 15 * MIN }),
  query: { kind: 'value', query: 'p95:latency{*}', aggregator: 'avg' },
};

/** The flagship's shape: counts over the stage, ratios over 15m and 1h, plus a latency average. */
const rollout = makeRollout({
  metrics: [
    valueMetric('sent'),
    ratioMetric('error_rate', { kind: 'duration', ms: 15 * MIN }),
    ratioMetric('click_through', { kind: 'duration', ms: 60 * MIN }),
    valueMetric('calls'),
    latency,
  ],
  advance: ['error_rate < 5%', 'click_through > 30%', 'p95_latency < 2000'],
});

const requestsOf = (calls: readonly MetricRequest[][]): number => {
  const plan = planRequests(calls.flat());
  return plan.scalar.length + plan.events.length;
};

describe('measureCheck', () => {
  it('asks every summable metric over one increment window and the others over their own', async () => {
    const p = new CountingProvider();
    const stageStart = T0;
    const first = await measureCheck(rollout, () => p, { now: T0 + 30 * MIN, stageStart, settleMs: 0 });
    const windows = Object.fromEntries(p.calls[0]!.map((r) => [r.id, r.window]));
    for (const m of ['sent', 'error_rate', 'click_through', 'calls'])
      expect(windows[m]).toEqual({ from: T0, to: T0 + 30 * MIN });
    expect(windows.p95_latency).toEqual({ from: T0 + 15 * MIN, to: T0 + 30 * MIN });
    // the 15m window is summed from the increment, pro-rated: half of 30 minutes
    expect(first.measurements.error_rate).toEqual({
      kind: 'ratio',
      numerator: 15,
      denominator: 150,
      value: 0.1,
    });
    expect(first.increments.error_rate).toEqual({ from: T0, to: T0 + 30 * MIN, events: 30, trials: 300 });

    const second = await measureCheck(rollout, () => p, {
      now: T0 + 35 * MIN,
      stageStart,
      settleMs: 0,
      ledger: first.ledger,
    });
    expect(p.calls[1]!.find((r) => r.id === 'error_rate')?.window).toEqual({
      from: T0 + 30 * MIN,
      to: T0 + 35 * MIN,
    });
    expect(second.increments.error_rate).toMatchObject({ events: 5, trials: 50 });
    expect(second.measurements.sent).toEqual({ kind: 'value', value: 35 });
    expect(second.measurements.click_through).toMatchObject({ numerator: 35, denominator: 350 });
  });

  it('costs no more Datadog requests per check than reading every window (here: 2 instead of 3)', async () => {
    const before = new CountingProvider();
    await measureRollout(rollout, () => before, { now: T0 + 90 * MIN, stageStart: T0 });
    const after = new CountingProvider();
    await measureCheck(rollout, () => after, { now: T0 + 90 * MIN, stageStart: T0 });
    // stage, 15m (error_rate and p95_latency share it), 1h
    expect(requestsOf(before.calls)).toBe(3);
    expect(requestsOf(after.calls)).toBe(2);
  });

  it('a provider error keeps the increment open: the next check asks from the same start', async () => {
    const p = new CountingProvider();
    const first = await measureCheck(rollout, () => p, { now: T0 + 10 * MIN, stageStart: T0, settleMs: 0 });
    const failing: MetricsProvider = {
      ...p,
      name: 'down',
      query: () => Promise.reject(new Error('unused')),
      queryMany: () => Promise.reject(new Error('503')),
    };
    const broken = await measureCheck(rollout, () => failing, {
      now: T0 + 15 * MIN,
      stageStart: T0,
      settleMs: 0,
      ledger: first.ledger,
    });
    expect(broken.measurements.error_rate?.kind).toBe('error');
    expect(broken.ledger.error_rate).toEqual(first.ledger.error_rate);
    await measureCheck(rollout, () => p, {
      now: T0 + 20 * MIN,
      stageStart: T0,
      settleMs: 0,
      ledger: broken.ledger,
    });
    expect(p.calls[1]!.find((r) => r.id === 'error_rate')?.window.from).toBe(T0 + 10 * MIN);
  });
});
