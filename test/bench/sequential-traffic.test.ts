import { describe, expect, it } from 'vitest';
import { answerFor, families, Traffic, type Family } from '../../src/bench/sequential-traffic.js';
import type { MetricSpec } from '../../src/rollout/types.js';

/*
 * The families and their seeded traffic as docs/decisions.md#benchmark
 * describes them: 3% → 10% errors, onsets uniform over the 36 planned hours
 * (days 5–7 for the 7-day canary), ≈ 2,000 users an hour at 100%, 10–50 users
 * per stage for the sparse ones. Sizes are tiny; every number is seeded.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const all = families();

function family(prefix: string): Family {
  const f = all.find((x) => x.name.startsWith(prefix));
  if (!f) throw new Error(`no family ${prefix}`);
  return f;
}

const everyOf = (f: Family): number =>
  f.rollout.check.schedule.kind === 'every' ? f.rollout.check.schedule.everyMs : Number.NaN;

/** `checks` buckets of one Traffic at a fixed percent and stage, one check interval apart. */
function draw(f: Family, seed: number, checks: number, percent: number, stageIndex = 0) {
  const t = new Traffic(f, seed);
  const every = everyOf(f);
  const buckets = Array.from({ length: checks }, (_, i) => ({
    at: (i + 1) * every,
    b: t.bucket((i + 1) * every, percent, stageIndex),
    afterOnset: t.afterOnset,
  }));
  return { t, buckets };
}

describe('families', () => {
  it('are the eleven documented families, each name once, of the kind their rates say', () => {
    expect(all).toHaveLength(11);
    expect(new Set(all.map((f) => f.name)).size).toBe(11);
    expect(all.map((f) => f.kind)).toEqual([
      'regression',
      'healthy',
      'regression',
      'healthy',
      'regression',
      'healthy',
      'regression',
      'healthy',
      'regression',
      'healthy',
      'failing',
    ]);
    for (const f of all) {
      // a regression changes some rate at its onset; the others have no onset and one set of rates
      expect(f.onset === null, f.name).toBe(f.kind !== 'regression');
      if (f.kind === 'regression') expect(f.after, f.name).not.toEqual(f.before);
      else expect(f.after, f.name).toEqual(f.before);
      // every metric of the rollout has a rate
      expect(Object.keys(f.before).sort(), f.name).toEqual(Object.keys(f.rollout.metrics).sort());
    }
  });

  it('use the flagship plan, or the 7-day canary checked every 15 minutes', () => {
    const flagship = family('mid-stage regression, window 15m').rollout;
    expect(flagship.stages.map((s) => [s.percent, s.minDurationMs / HOUR])).toEqual([
      [2, 4],
      [25, 8],
      [50, 8],
      [75, 8],
      [100, 8],
    ]);
    expect(everyOf(family('mid-stage'))).toBe(5 * MIN);
    const long = family('long stage').rollout;
    expect(long.stages.map((s) => [s.percent, s.minDurationMs / HOUR])).toEqual([
      [2, 7 * 24],
      [100, 8],
    ]);
    expect(everyOf(family('long stage'))).toBe(15 * MIN);
    // maxStageDuration must not cut the 7-day canary short
    expect(long.policy.maxStageDurationMs).toBeGreaterThan(7 * 24 * HOUR);
    expect(family('definitely failing').rollout.policy).toMatchObject({
      failingForMs: HOUR,
      onFailing: 'pause',
    });
  });
});

describe('Traffic', () => {
  it('is the same release for the same seed and another for another seed', () => {
    const f = family('mid-stage regression, window 1h');
    const a = draw(f, 7, 50, 25);
    const b = draw(f, 7, 50, 25);
    const c = draw(f, 8, 50, 25);
    expect(b.t.onset).toBe(a.t.onset);
    expect(b.buckets).toEqual(a.buckets);
    expect(c.t.onset).not.toBe(a.t.onset);
    expect(c.buckets.map((x) => x.b)).not.toEqual(a.buckets.map((x) => x.b));
  });

  it('draws onsets uniformly over the plan: 36 h mid-stage, days 5–7 for the long canary, none when healthy', () => {
    const onsets = (f: Family) => Array.from({ length: 200 }, (_, s) => new Traffic(f, s).onset);
    const mid = onsets(family('mid-stage regression, window stage'));
    expect(Math.min(...mid)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...mid)).toBeLessThan(36 * HOUR);
    // uniform: both halves of the plan get a fair share
    expect(mid.filter((o) => o < 18 * HOUR).length).toBeGreaterThan(70);
    expect(mid.filter((o) => o >= 18 * HOUR).length).toBeGreaterThan(70);
    const long = onsets(family('long stage'));
    expect(Math.min(...long)).toBeGreaterThanOrEqual(5 * 24 * HOUR);
    expect(Math.max(...long)).toBeLessThanOrEqual(7 * 24 * HOUR);
    expect(onsets(family('healthy, window stage')).every((o) => o === Infinity)).toBe(true);
  });

  it('serves ≈ 2,000 users an hour at 100%, in proportion to the percent, none at 0%', () => {
    const f = family('healthy, window 15m');
    const perHour = (percent: number): number =>
      draw(f, 3, 240, percent).buckets.reduce((s, x) => s + (x.b.error_rate?.n ?? 0), 0) / 20;
    const full = perHour(100);
    expect(full).toBeGreaterThan(1900);
    expect(full).toBeLessThan(2100);
    const quarter = perHour(25);
    expect(quarter / full).toBeGreaterThan(0.22);
    expect(quarter / full).toBeLessThan(0.28);
    expect(perHour(0)).toBe(0);
  });

  it('fails 3% of requests before the onset and 10% after it, and counts only the users after it', () => {
    const f = family('mid-stage regression, window 15m');
    const { t, buckets } = draw(f, 11, 432, 100);
    expect(t.onset).toBeLessThan(36 * HOUR);
    const rate = (xs: typeof buckets): number =>
      xs.reduce((s, x) => s + (x.b.error_rate?.x ?? 0), 0) /
      xs.reduce((s, x) => s + (x.b.error_rate?.n ?? 0), 0);
    const before = buckets.filter((x) => x.at <= t.onset);
    const after = buckets.filter((x) => x.at > t.onset);
    expect(before.length).toBeGreaterThan(10);
    expect(after.length).toBeGreaterThan(10);
    expect(rate(before)).toBeGreaterThan(0.02);
    expect(rate(before)).toBeLessThan(0.04);
    expect(rate(after)).toBeGreaterThan(0.085);
    expect(rate(after)).toBeLessThan(0.115);
    // afterOnset: zero until the onset, then the running sum of the users of every later bucket
    expect(before.every((x) => x.afterOnset === 0)).toBe(true);
    let sum = 0;
    for (const x of after) {
      sum += x.b.error_rate?.n ?? 0;
      expect(x.afterOnset).toBe(sum);
    }
    expect(t.afterOnset).toBe(sum);
  });

  it('gives every metric of a bucket the same users, and never more events than users', () => {
    const f = family('definitely failing');
    for (const { b } of draw(f, 5, 100, 50).buckets) {
      expect(b.error_rate?.n).toBe(b.success_rate?.n);
      expect(b.error_rate?.x).toBeLessThanOrEqual(b.error_rate?.n ?? -1);
      expect(b.success_rate?.x).toBeLessThanOrEqual(b.success_rate?.n ?? -1);
    }
  });

  it('sparse: 10–50 users per stage whatever the percent, spread over the stage’s checks', () => {
    const f = family('sparse healthy');
    // the canary: 4 h of 5-minute checks; one release, 100 stages' worth of checks
    const stageChecks = (4 * HOUR) / everyOf(f);
    for (const seed of [1, 2, 3]) {
      const at2 = draw(f, seed, 100 * stageChecks, 2).buckets;
      const at100 = draw(f, seed, 100 * stageChecks, 100).buckets;
      const users = (xs: typeof at2): number => xs.reduce((s, x) => s + (x.b.error_rate?.n ?? 0), 0) / 100;
      expect(users(at2)).toBeGreaterThan(9);
      expect(users(at2)).toBeLessThan(51);
      // the same draws: the percent does not change a sparse release's traffic
      expect(users(at100)).toBe(users(at2));
    }
    // calls (a value metric) are a count per user: usually none
    const calls = draw(f, 1, 1_000, 2).buckets.map((x) => x.b.contact_center_calls?.x ?? 0);
    expect(calls.filter((c) => c === 0).length).toBeGreaterThan(950);
  });
});

describe('answerFor', () => {
  const [ratio, value] = ['error_rate', 'contact_center_calls'].map(
    (m) => family('sparse healthy').rollout.metrics[m],
  ) as [MetricSpec, MetricSpec];

  it.each([
    ['a ratio with trials', ratio, 3, 40, { kind: 'ratio', numerator: 3, denominator: 40, value: 0.075 }],
    ['a ratio with no events', ratio, 0, 40, { kind: 'ratio', numerator: 0, denominator: 40, value: 0 }],
    ['a ratio with no trials: no data, not 0', ratio, 0, 0, { kind: 'no-data', reason: 'no series' }],
    ['a count', value, 2, 40, { kind: 'value', value: 2 }],
    ['a count of 0: no data, as Datadog answers', value, 0, 40, { kind: 'no-data', reason: 'no series' }],
  ])('%s', (_what, spec, x, n, expected) => {
    expect(answerFor(spec, x, n)).toEqual(expected);
  });
});
