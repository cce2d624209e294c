import type { Measurement } from '../ports/metrics-provider.js';
import { parseCriterion } from '../rollout/criteria.js';
import type { MetricSpec, MetricWindow, Rollout, Stage } from '../rollout/types.js';
import { BENCH_ROLLOUT, benchStage } from './bench-rollout.js';
import { binomial, poisson, prng } from './seeded-random.js';

/*
 * The issue-10 families and their seeded traffic, shared by the pure engine
 * step (sequential-sim.ts) and the real runtime (sequential-runtime.ts) so
 * both see exactly the same observations: one bucket per check, drawn in the
 * same order from the same seed, at the percent the toggle was at.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;

export type FamilyKind = 'regression' | 'healthy' | 'failing';

export interface Family {
  readonly name: string;
  readonly kind: FamilyKind;
  readonly rollout: Rollout;
  /** users per check at 100%; ignored when usersPerStage is set */
  readonly usersPerCheckAt100: number;
  /** sparse traffic: users per stage drawn uniformly in [lo, hi] per release */
  readonly usersPerStage?: readonly [number, number];
  /** the regression's onset in ms from the start; null: none */
  readonly onset: ((rand: () => number) => number) | null;
  /** rates before and after the onset, by metric: the error rate, calls per user, success rate */
  readonly before: Readonly<Record<string, number>>;
  readonly after: Readonly<Record<string, number>>;
}

const ratio = (name: string, window: MetricWindow): MetricSpec => ({
  name,
  provider: undefined,
  query: { kind: 'ratio', numerator: `${name}.num`, denominator: `${name}.den` },
  window,
});

const CALLS: MetricSpec = {
  name: 'contact_center_calls',
  provider: undefined,
  query: { kind: 'value', query: 'sum:va.contact_center.calls{*}.as_count()', aggregator: 'sum' },
  window: { kind: 'stage' },
  noData: 'zero',
};

interface Shape {
  readonly everyMs: number;
  readonly stages: readonly Stage[];
  readonly metrics: readonly MetricSpec[];
  readonly advance: readonly string[];
  readonly rollback: readonly string[];
  readonly policy?: Partial<Rollout['policy']>;
}

function rolloutOf(s: Shape): Rollout {
  return {
    ...BENCH_ROLLOUT,
    check: { ...BENCH_ROLLOUT.check, schedule: { kind: 'every', everyMs: s.everyMs } },
    stages: s.stages,
    metrics: Object.fromEntries(s.metrics.map((m) => [m.name, m])),
    criteria: { advance: s.advance.map(parseCriterion), rollback: s.rollback.map(parseCriterion) },
    policy: { ...BENCH_ROLLOUT.policy, ...s.policy },
  };
}

const FLAGSHIP_STAGES = [
  benchStage('canary', 2, 4 * HOUR),
  ...[25, 50, 75, 100].map((p) => benchStage(`stage-${p}`, p, 8 * HOUR)),
];
const FLAGSHIP_PLAN = 36 * HOUR;
const LONG_STAGES = [benchStage('canary', 2, 7 * 24 * HOUR), benchStage('full', 100, 8 * HOUR)];
const ERRORS = { error_rate: 0.03 };
const BAD = { error_rate: 0.1 };

function errorRate(window: MetricWindow, everyMs = 5 * MIN, stages = FLAGSHIP_STAGES): Rollout {
  return rolloutOf({
    everyMs,
    stages,
    metrics: [ratio('error_rate', window)],
    advance: ['error_rate < 5%'],
    rollback: ['error_rate > 5% for 2 checks'],
    // maxStageDuration must not cut a 7-day canary short
    policy: { maxStageDurationMs: stages === LONG_STAGES ? 8 * 24 * HOUR : 72 * HOUR },
  });
}

export function families(): Family[] {
  const mid = (label: string, w: MetricWindow): Family[] => [
    {
      name: `mid-stage regression, window ${label}`,
      kind: 'regression',
      rollout: errorRate(w),
      usersPerCheckAt100: 2000 / 12,
      onset: (r) => r() * FLAGSHIP_PLAN,
      before: ERRORS,
      after: BAD,
    },
    {
      name: `healthy, window ${label}`,
      kind: 'healthy',
      rollout: errorRate(w),
      usersPerCheckAt100: 2000 / 12,
      onset: null,
      before: ERRORS,
      after: ERRORS,
    },
  ];
  const long = errorRate({ kind: 'duration', ms: HOUR }, 15 * MIN, LONG_STAGES);
  const sparse = rolloutOf({
    everyMs: 5 * MIN,
    stages: FLAGSHIP_STAGES,
    metrics: [ratio('error_rate', { kind: 'stage' }), CALLS],
    advance: ['contact_center_calls < 2'],
    rollback: ['error_rate > 5% for 2 checks', 'contact_center_calls >= 2'],
  });
  const failing = rolloutOf({
    everyMs: 5 * MIN,
    stages: FLAGSHIP_STAGES,
    metrics: [
      ratio('error_rate', { kind: 'duration', ms: 15 * MIN }),
      ratio('success_rate', { kind: 'stage' }),
    ],
    advance: ['success_rate > 95%'],
    rollback: ['error_rate > 5% for 2 checks'],
    policy: { failingForMs: HOUR, onFailing: 'pause' },
  });
  return [
    ...mid('15m', { kind: 'duration', ms: 15 * MIN }),
    ...mid('1h', { kind: 'duration', ms: HOUR }),
    ...mid('stage', { kind: 'stage' }),
    {
      name: 'long stage (7-day canary, 15m checks, 1h window), regression days 5–7',
      kind: 'regression',
      rollout: long,
      usersPerCheckAt100: 2000 / 4,
      onset: (r) => (5 + 2 * r()) * 24 * HOUR,
      before: ERRORS,
      after: BAD,
    },
    {
      name: 'healthy long stage (7-day canary)',
      kind: 'healthy',
      rollout: long,
      usersPerCheckAt100: 2000 / 4,
      onset: null,
      before: ERRORS,
      after: ERRORS,
    },
    {
      name: 'sparse (10–50 users per stage), calls usually zero (noData: zero), regression mid-rollout',
      kind: 'regression',
      rollout: sparse,
      usersPerCheckAt100: 0,
      usersPerStage: [10, 50],
      onset: (r) => r() * FLAGSHIP_PLAN,
      before: { error_rate: 0.03, contact_center_calls: 0.002 },
      after: { error_rate: 0.1, contact_center_calls: 0.1 },
    },
    {
      name: 'sparse healthy (calls usually zero, noData: zero)',
      kind: 'healthy',
      rollout: sparse,
      usersPerCheckAt100: 0,
      usersPerStage: [10, 50],
      onset: null,
      before: { error_rate: 0.03, contact_center_calls: 0.002 },
      after: { error_rate: 0.03, contact_center_calls: 0.002 },
    },
    {
      name: 'definitely failing advance criterion (success 85%, needs > 95%, failingFor 1h)',
      kind: 'failing',
      rollout: failing,
      usersPerCheckAt100: 2000 / 12,
      onset: null,
      before: { error_rate: 0.03, success_rate: 0.85 },
      after: { error_rate: 0.03, success_rate: 0.85 },
    },
  ];
}

/** One check's new observations: events of trials per ratio metric, a count per value metric. */
export type Bucket = Readonly<Record<string, { readonly x: number; readonly n: number }>>;

/** A release's traffic: the onset, then one bucket per check, drawn in order. */
export class Traffic {
  readonly onset: number;
  readonly #rand: () => number;
  readonly #f: Family;
  readonly #perStage: number;
  #afterOnset = 0;

  constructor(f: Family, seed: number) {
    this.#f = f;
    this.#rand = prng(seed);
    this.onset = f.onset ? f.onset(this.#rand) : Infinity;
    const [lo, hi] = f.usersPerStage ?? [0, 0];
    this.#perStage = f.usersPerStage ? lo + Math.floor(this.#rand() * (hi - lo + 1)) : 0;
  }

  /** users served after the onset so far */
  get afterOnset(): number {
    return this.#afterOnset;
  }

  /** The bucket ending at `now`, served at `percent` (the stage it was in: `stageIndex`). */
  bucket(now: number, percent: number, stageIndex: number): Bucket {
    const f = this.#f;
    const every = f.rollout.check.schedule.kind === 'every' ? f.rollout.check.schedule.everyMs : 5 * MIN;
    const stageChecks = Math.max(1, (f.rollout.stages[stageIndex]?.minDurationMs ?? HOUR) / every);
    const mean = f.usersPerStage ? this.#perStage / stageChecks : (f.usersPerCheckAt100 * percent) / 100;
    const n = poisson(this.#rand, mean);
    const bad = now > this.onset;
    if (bad) this.#afterOnset += n;
    const rates = bad ? f.after : f.before;
    const out: Record<string, { x: number; n: number }> = {};
    for (const m of Object.values(f.rollout.metrics)) {
      const rate = rates[m.name] ?? 0;
      out[m.name] =
        m.query.kind === 'ratio'
          ? { x: binomial(this.#rand, n, rate), n }
          : { x: poisson(this.#rand, n * rate), n };
    }
    return out;
  }
}

/** What the synthetic Datadog answers for a sum over buckets: no data for an empty count or denominator. */
export function answerFor(spec: MetricSpec, x: number, n: number): Measurement {
  if (spec.query.kind === 'ratio') {
    return n > 0
      ? { kind: 'ratio', numerator: x, denominator: n, value: x / n }
      : { kind: 'no-data', reason: 'no series' };
  }
  return x > 0 ? { kind: 'value', value: x } : { kind: 'no-data', reason: 'no series' };
}
