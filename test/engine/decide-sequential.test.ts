import { describe, expect, it } from 'vitest';
import {
  decide,
  SEQUENTIAL_DECISIONS,
  ZERO_COUNTERS,
  type DecideInput,
  type Decision,
} from '../../src/engine/decide.js';
import type { Increment } from '../../src/engine/sequential/cusum.js';
import type { Measurement } from '../../src/ports/metrics-provider.js';
import type { Rollout } from '../../src/rollout/types.js';
import {
  MIN,
  NO_DATA,
  T0,
  decideInput,
  makeRollout,
  ratio,
  ratioMetric,
  value,
  valueMetric,
} from './rollout-factory.js';

/*
 * decide() with the issue-10 methods on (SEQUENTIAL_DECISIONS): rollback
 * ratios by CUSUM, advance ratios by the confidence sequence, `for <duration>`,
 * failing criteria, noData: zero, prototype-free names.
 */

function base(rollout: Rollout, o: Partial<DecideInput> = {}): DecideInput {
  return decideInput(rollout, o);
}

/** Checks every 5 minutes from T0, each feeding the previous decision's counters into the next. */
function series(
  rollout: Rollout,
  checks: readonly { m: Record<string, Measurement>; inc?: Record<string, Increment> }[],
): Decision[] {
  let counters = ZERO_COUNTERS;
  return checks.map((c, i) => {
    const d = decide(
      base(rollout, {
        now: T0 + (i + 1) * 5 * MIN,
        counters,
        measurements: c.m,
        ...(c.inc ? { increments: c.inc } : {}),
      }),
      undefined,
      SEQUENTIAL_DECISIONS,
    );
    counters = d.nextCounters;
    return d;
  });
}

describe('rollback ratios by CUSUM', () => {
  const rollout = makeRollout({ rollback: ['error_rate > 5%'], advance: [] });

  it('differences a window: stage measurement and rolls back once the evidence reaches the threshold', () => {
    // 100 requests per check at 8% errors: ≈ 3.7 nats per check; the threshold is
    // ln(K/α)/θ(3%) = ln(36/0.05)/0.785 = 8.38 for three 1-hour stages checked every 5 minutes
    const ds = series(
      rollout,
      [1, 2, 3, 4].map((k) => ({ m: { error_rate: ratio(8 * k, 100 * k), sent: value(100 * k) } })),
    );
    const first = ds[0]?.results[0];
    expect(first?.evidence?.statistic).toBeCloseTo(8 * Math.log(4) + 92 * Math.log(0.9 / 0.975), 9);
    expect(first?.evidence?.threshold).toBeCloseTo(8.380835339812744, 9);
    expect(first?.reason).toBe(
      'error_rate 8% (8/100) within rollback > 5%: evidence 3.7 of 8.4 (CUSUM, 100 trials this stage)',
    );
    const rolledBack = ds.findIndex((d) => d.action === 'rollback');
    expect(rolledBack).toBe(2);
    expect(ds[2]?.cause).toBe('breach');
  });

  it('counts a redone check once: the same input twice gives the same counters', () => {
    const input = base(rollout, { measurements: { error_rate: ratio(12, 100), sent: value(100) } });
    const once = decide(input, undefined, SEQUENTIAL_DECISIONS);
    const again = decide({ ...input, counters: once.nextCounters }, undefined, SEQUENTIAL_DECISIONS);
    expect(again.nextCounters.detectors).toEqual(once.nextCounters.detectors);
    // restored from JSON (a restart) and redone: still the same
    const restored = JSON.parse(JSON.stringify(once.nextCounters)) as typeof once.nextCounters;
    expect(
      decide({ ...input, counters: restored }, undefined, SEQUENTIAL_DECISIONS).nextCounters.detectors,
    ).toEqual(once.nextCounters.detectors);
  });

  it('uses the increments the runtime supplies for a sliding window', () => {
    const sliding = makeRollout({
      rollback: ['error_rate > 5%'],
      advance: [],
      metrics: [ratioMetric('error_rate', { kind: 'duration', ms: 15 * MIN }), valueMetric('sent')],
    });
    const inc = (i: number, x: number, n: number): Increment => ({
      from: T0 + i * 5 * MIN,
      to: T0 + (i + 1) * 5 * MIN,
      events: x,
      trials: n,
    });
    const ds = series(sliding, [
      { m: { error_rate: ratio(3, 100) }, inc: { error_rate: inc(0, 3, 100) } },
      { m: { error_rate: ratio(11, 200) }, inc: { error_rate: inc(1, 8, 100) } },
      { m: { error_rate: ratio(19, 300) }, inc: { error_rate: inc(2, 8, 100) } },
      { m: { error_rate: ratio(24, 300) }, inc: { error_rate: inc(3, 8, 100) } },
    ]);
    expect(ds.map((d) => d.results[0]?.evidence?.trials)).toEqual([100, 200, 300, 400]);
    expect(ds.map((d) => d.action)).toEqual(['hold', 'hold', 'hold', 'rollback']);
  });

  it('falls back to the per-look interval for a sliding window without increments', () => {
    const sliding = makeRollout({
      rollback: ['error_rate > 5%'],
      advance: [],
      metrics: [ratioMetric('error_rate', { kind: 'duration', ms: 15 * MIN })],
    });
    const d = decide(
      base(sliding, { measurements: { error_rate: ratio(30, 100) } }),
      undefined,
      SEQUENTIAL_DECISIONS,
    );
    expect(d.results[0]?.evidence).toBeUndefined();
    expect(d.results[0]?.interval).not.toBeNull();
  });

  it('`for <duration>`: the alarm must persist that long, measured by the checks', () => {
    const sustained = makeRollout({ rollback: ['error_rate > 5% for 10m'], advance: [] });
    const ds = series(
      sustained,
      [1, 2, 3, 4].map((k) => ({ m: { error_rate: ratio(30 * k, 100 * k) } })),
    );
    // breaching from the first check (T0+5m); 10 minutes later is the third
    expect(ds.map((d) => d.action)).toEqual(['hold', 'hold', 'rollback', 'rollback']);
    expect(ds[1]?.reasons.join()).toContain('(5m of 10m)');
    expect(ds[2]?.reasons[0]).toContain('for 10m of 10m');
  });
});

describe('`for <duration>` on a value criterion', () => {
  it('p95_latency > 2000 for 10m', () => {
    const r = makeRollout({
      rollback: ['p95_latency > 2000 for 10m'],
      advance: [],
      metrics: [valueMetric('p95_latency', { kind: 'duration', ms: 5 * MIN })],
    });
    const ds = series(
      r,
      [2500, 2600, 1000, 2500, 2500, 2500].map((v) => ({ m: { p95_latency: value(v) } })),
    );
    expect(ds.map((d) => d.action)).toEqual(['hold', 'hold', 'hold', 'hold', 'hold', 'rollback']);
  });
});

describe('advance ratios on the confidence sequence', () => {
  it('stays inconclusive on a small sample and passes with enough evidence', () => {
    const r = makeRollout({ advance: ['error_rate < 5%'], rollback: [] });
    const small = decide(
      base(r, { measurements: { error_rate: ratio(0, 40), sent: value(40) } }),
      undefined,
      SEQUENTIAL_DECISIONS,
    );
    expect(small.results[0]?.verdict).toBe('inconclusive');
    const big = decide(
      base(r, { measurements: { error_rate: ratio(10, 1000), sent: value(1000) } }),
      undefined,
      SEQUENTIAL_DECISIONS,
    );
    expect(big.results[0]?.verdict).toBe('pass');
  });
});

describe('a definitely failing advance criterion', () => {
  const failing = { click_through: ratio(850, 1000) };
  const metrics = [ratioMetric('click_through')];

  it.each([
    ['pause', 'pause'],
    ['rollback', 'rollback'],
    ['hold', 'hold'],
  ] as const)('policy.onFailing %s → %s after failingFor', (onFailing, action) => {
    const r = makeRollout({
      advance: ['click_through > 95%'],
      rollback: [],
      metrics,
      samples: undefined,
      policy: { onFailing, failingForMs: 30 * MIN },
    });
    const ds = series(
      r,
      Array.from({ length: 8 }, () => ({ m: failing })),
    );
    // failing from the first check at T0+5m; 30 minutes later is the seventh
    expect(ds.slice(0, 6).every((d) => d.action === 'hold')).toBe(true);
    expect(ds[6]?.action).toBe(action);
    if (action !== 'hold') {
      expect(ds[6]?.cause).toBe('failing');
      expect(ds[6]?.reasons[0]).toBe(
        'failing: click_through > 95% for 30m: click_through 85% (80.3–89%, 850/1000) needs > 95%',
      );
    }
  });

  it('an inconclusive check restarts the clock; no data does not', () => {
    const r = makeRollout({
      advance: ['click_through > 95%'],
      rollback: [],
      metrics,
      samples: undefined,
      policy: { failingForMs: 10 * MIN },
    });
    const ds = series(r, [
      { m: failing },
      { m: { click_through: ratio(19, 20) } },
      { m: failing },
      { m: { click_through: NO_DATA } },
      { m: failing },
    ]);
    expect(ds.map((d) => d.action)).toEqual(['hold', 'hold', 'hold', 'hold', 'pause']);
  });
});

describe('noData: zero', () => {
  it('reads a count without data as 0', () => {
    const calls = { ...valueMetric('contact_center_calls'), noData: 'zero' as const };
    const r = makeRollout({
      advance: ['contact_center_calls < 2'],
      rollback: [],
      metrics: [calls],
      samples: undefined,
    });
    const d = decide(
      base(r, { measurements: { contact_center_calls: NO_DATA } }),
      undefined,
      SEQUENTIAL_DECISIONS,
    );
    expect(d.results[0]).toMatchObject({ verdict: 'pass', value: 0 });
    expect(d.action).toBe('advance');
  });
});

describe('metric names that are Object.prototype keys', () => {
  // (`toString` cannot be a metric name at all: names are lowercase; validate says so)
  it.each(['__proto__', 'constructor'])('%s is a metric like any other', (name) => {
    const r = makeRollout({
      advance: [`${name} < 5%`],
      rollback: [`${name} > 5%`],
      metrics: [ratioMetric(name)],
      samples: undefined,
    });
    const measurements = Object.fromEntries([[name, ratio(1, 1000)]]) as Record<string, Measurement>;
    const d = decide(base(r, { measurements }), undefined, SEQUENTIAL_DECISIONS);
    expect(d.results.map((x) => x.verdict)).toEqual(['ok', 'pass']);
    // and missing, it is no data rather than Object.prototype
    const none = decide(base(r, { measurements: {} }), undefined, SEQUENTIAL_DECISIONS);
    expect(none.results.map((x) => x.verdict)).toEqual(['no-data', 'no-data']);
  });
});
