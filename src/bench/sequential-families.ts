import { decide, SEQUENTIAL_DECISIONS, ZERO_COUNTERS, type DecisionCounters } from '../engine/decide.js';
import {
  judgeCriterion,
  type CriterionKind,
  type CriterionResult,
  type JudgeOptions,
} from '../engine/judge.js';
import {
  EMPTY_CUSUM,
  updateCusum,
  type CusumDesign,
  type CusumState,
  type Increment,
} from '../engine/sequential/cusum.js';
import { rolloutThreshold } from '../engine/sequential/threshold.js';
import type { Measurement } from '../ports/metrics-provider.js';
import { parseCriterion } from '../rollout/criteria.js';
import type { Criterion, MetricSpec, MetricWindow, Rollout, Stage } from '../rollout/types.js';
import { BENCH_ROLLOUT, binomial, poisson, prng } from './decision-quality.js';

/*
 * Issue-10 families through the pure engine step, each release seeded:
 *
 * - mid-stage regression: the Event Bus Gateway shape (canary 2% 4h, then
 *   25/50/75/100% for 8h, a check every 5m, ≈ 2,000 sends/hour at 100%),
 *   3% → 10% errors (threshold 5%) from a moment uniform over the planned
 *   36 hours, with error_rate over 15m, 1h and the stage;
 * - long stage: a 7-day canary at 2% checked every 15m, 1h window,
 *   regression uniform over days 5–7;
 * - healthy twins of both (3% throughout): false rollbacks per rollout.
 *
 * Policies: stagegate (CUSUM + confidence sequence, increments as the
 * runtime will supply them), `before` (today's per-look interval and
 * Wilson), the point estimate, and the ORACLE: a CUSUM that knows the true
 * rates (3% → 10%) with the same threshold, on the same observations, with
 * no `for 2 checks`: the fastest detection at that false-alarm level.
 */

const MIN = 60_000;
const HOUR = 60 * MIN;

export type Policy = 'stagegate' | 'before' | 'point';

interface Family {
  readonly name: string;
  readonly rollout: Rollout;
  readonly usersPerCheckAt100: number;
  /** the regression's onset in ms from the start, drawn per release; null: healthy */
  readonly onset: ((rand: () => number) => number) | null;
  readonly before: number;
  readonly after: number;
}

function stage(name: string, percent: number, minDurationMs: number): Stage {
  return { name, percent, minDurationMs, minSamples: undefined, approval: false };
}

function withWindow(window: MetricWindow, everyMs: number, stages: readonly Stage[]): Rollout {
  const metric: MetricSpec = {
    name: 'error_rate',
    provider: undefined,
    query: { kind: 'ratio', numerator: 'errors', denominator: 'requests' },
    window,
  };
  return {
    ...BENCH_ROLLOUT,
    check: { ...BENCH_ROLLOUT.check, schedule: { kind: 'every', everyMs } },
    stages,
    metrics: { error_rate: metric },
    criteria: {
      advance: [parseCriterion('error_rate < 5%')],
      rollback: [parseCriterion('error_rate > 5% for 2 checks')],
    },
  };
}

const FLAGSHIP_STAGES = [
  stage('canary', 2, 4 * HOUR),
  ...[25, 50, 75, 100].map((p) => stage(`stage-${p}`, p, 8 * HOUR)),
];
const FLAGSHIP_PLAN = 36 * HOUR;
const LONG_STAGES = [stage('canary', 2, 7 * 24 * HOUR), stage('full', 100, 8 * HOUR)];

function longStage(): Rollout {
  const r = withWindow({ kind: 'duration', ms: HOUR }, 15 * MIN, LONG_STAGES);
  // maxStageDuration must not cut the 7-day canary short
  return { ...r, policy: { ...r.policy, maxStageDurationMs: 8 * 24 * HOUR } };
}

export function families(): Family[] {
  const mid = (label: string, w: MetricWindow): Family[] => [
    {
      name: `mid-stage regression, window ${label}`,
      rollout: withWindow(w, 5 * MIN, FLAGSHIP_STAGES),
      usersPerCheckAt100: 2000 / 12,
      onset: (r) => r() * FLAGSHIP_PLAN,
      before: 0.03,
      after: 0.1,
    },
    {
      name: `healthy, window ${label}`,
      rollout: withWindow(w, 5 * MIN, FLAGSHIP_STAGES),
      usersPerCheckAt100: 2000 / 12,
      onset: null,
      before: 0.03,
      after: 0.03,
    },
  ];
  return [
    ...mid('15m', { kind: 'duration', ms: 15 * MIN }),
    ...mid('1h', { kind: 'duration', ms: HOUR }),
    ...mid('stage', { kind: 'stage' }),
    {
      name: 'long stage (7-day canary, 15m checks, 1h window), regression days 5–7',
      rollout: longStage(),
      usersPerCheckAt100: 2000 / 4,
      onset: (r) => (5 + 2 * r()) * 24 * HOUR,
      before: 0.03,
      after: 0.1,
    },
    {
      name: 'healthy long stage (7-day canary)',
      rollout: longStage(),
      usersPerCheckAt100: 2000 / 4,
      onset: null,
      before: 0.03,
      after: 0.03,
    },
  ];
}

export interface Outcome {
  readonly result: 'rolled back' | 'completed' | 'paused';
  readonly reached100: boolean;
  /** the regression started while the rollout was still running */
  readonly exposed: boolean;
  /** users served after the onset until the rollback (or the end) */
  readonly usersAfterOnset: number;
  /** users after the onset until the oracle would have rolled back; null if it never did */
  readonly oracleUsers: number | null;
}

export function simulate(f: Family, policy: Policy, seed: number): Outcome {
  const rand = prng(seed);
  const r = f.rollout;
  const every = r.check.schedule.kind === 'every' ? r.check.schedule.everyMs : 5 * MIN;
  const onset = f.onset ? f.onset(rand) : Infinity;
  const spec = r.metrics.error_rate;
  const windowChecks =
    spec?.window.kind === 'duration' ? Math.max(1, Math.round(spec.window.ms / every)) : Infinity;
  const maxStage = r.policy.maxStageDurationMs ?? 72 * HOUR;
  // a healthy family's oracle is tuned to the same 10% it would have to catch
  const p1 = f.after === f.before ? 0.1 : f.after;
  const oracleDesign: CusumDesign = {
    p0: f.before,
    p1,
    numeratorIsBad: true,
    up: Math.log(p1 / f.before),
    down: Math.log((1 - p1) / (1 - f.before)),
  };
  const h = rolloutThreshold(r);
  let oracle: CusumState = EMPTY_CUSUM;
  let oracleUsers: number | null = null;
  let stageIndex = 0;
  let stageStart = 0;
  let counters: DecisionCounters = ZERO_COUNTERS;
  let xs: number[] = [];
  let ns: number[] = [];
  let cumX = 0;
  let cumN = 0;
  let afterOnset = 0;
  let reached100 = false;
  const end = (result: Outcome['result'], at: number): Outcome => ({
    result,
    reached100,
    exposed: onset < at,
    usersAfterOnset: afterOnset,
    oracleUsers,
  });
  for (let check = 1; check < 100_000; check++) {
    const now = check * every;
    const percent = r.stages[stageIndex]?.percent ?? 0;
    const n = poisson(rand, (f.usersPerCheckAt100 * percent) / 100);
    const bad = now > onset;
    const x = binomial(rand, n, bad ? f.after : f.before);
    if (bad) afterOnset += n;
    xs.push(x);
    ns.push(n);
    cumX += x;
    cumN += n;
    if (bad && oracleUsers === null) {
      oracle = updateCusum(oracleDesign, oracle, { from: now - every, to: now, events: x, trials: n }).state;
      if (oracle.s >= h) oracleUsers = afterOnset;
    }
    let wx = cumX;
    let wn = cumN;
    if (Number.isFinite(windowChecks)) {
      wx = 0;
      wn = 0;
      for (let i = Math.max(0, xs.length - windowChecks); i < xs.length; i++) {
        wx += xs[i] ?? 0;
        wn += ns[i] ?? 0;
      }
    }
    const m: Measurement =
      wn > 0
        ? { kind: 'ratio', numerator: wx, denominator: wn, value: wx / wn }
        : { kind: 'no-data', reason: 'none' };
    const increment: Increment = { from: now - every, to: now, events: x, trials: n };
    const input = {
      rollout: r,
      now,
      stageIndex,
      stageStartedAt: stageStart,
      stageDeadline: stageStart + maxStage,
      approved: false,
      counters,
      measurements: { error_rate: m },
      ...(policy === 'stagegate' ? { increments: { error_rate: increment } } : {}),
    };
    const d =
      policy === 'stagegate'
        ? decide(input, undefined, SEQUENTIAL_DECISIONS)
        : policy === 'point'
          ? decide(input, pointJudge)
          : decide(input);
    counters = d.nextCounters;
    if (d.action === 'rollback') return end('rolled back', now);
    if (d.action === 'pause') return end('paused', now);
    if (d.action === 'complete') return end('completed', now);
    if (d.action === 'advance') {
      stageIndex += 1;
      stageStart = now;
      counters = { ...ZERO_COUNTERS, errors: counters.errors };
      xs = [];
      ns = [];
      cumX = 0;
      cumN = 0;
      if (stageIndex === r.stages.length - 1) reached100 = true;
    }
  }
  return end('paused', Infinity);
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? null) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

const pct = (part: number, whole: number): string =>
  whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(1)}%`;

export interface FamilyResult {
  readonly table: string;
  readonly targets: Array<[string, boolean]>;
}

/** Every family × policy: false rollbacks, regressions missed, users after onset vs the oracle. */
export function measureFamilies(releases: number, seed: number, comparisonReleases = releases): FamilyResult {
  const lines = [
    '| family | policy (releases) | rolled back | reached 100% | paused | median users after onset | oracle median | × oracle |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  const targets: Array<[string, boolean]> = [];
  families().forEach((f, fi) => {
    for (const policy of ['stagegate', 'before', 'point'] as const) {
      // the comparison policies hold for days and cost ten times as much: fewer releases of them
      const count0 = policy === 'stagegate' ? releases : comparisonReleases;
      const os = Array.from({ length: count0 }, (_, i) =>
        simulate(f, policy, seed + fi * 1_000_003 + i * 7919),
      );
      const exposed = os.filter((o) => o.exposed);
      const users = median(exposed.map((o) => o.usersAfterOnset));
      const oracle = median(exposed.flatMap((o) => (o.oracleUsers === null ? [] : [o.oracleUsers])));
      const ratio = users !== null && oracle !== null && oracle > 0 ? users / oracle : null;
      const count = (g: (o: Outcome) => boolean): string => pct(os.filter(g).length, count0);
      lines.push(
        `| ${f.name} | ${policy} (${count0}) | ${count((o) => o.result === 'rolled back')} | ${count((o) => o.reached100)} | ${count(
          (o) => o.result === 'paused',
        )} | ${f.onset ? (users ?? 'n/a') : '–'} | ${f.onset ? (oracle ?? 'n/a') : '–'} | ${
          ratio === null ? '–' : ratio.toFixed(2)
        } |`,
      );
      if (policy !== 'stagegate') continue;
      if (f.onset === null) {
        const fr = os.filter((o) => o.result === 'rolled back').length / count0;
        targets.push([`${f.name}: false rollbacks ≤ 1% per rollout (${(100 * fr).toFixed(1)}%)`, fr <= 0.01]);
      } else if (ratio !== null) {
        targets.push([
          `${f.name}: median users after onset ≤ 1.5× oracle (${ratio.toFixed(2)}×)`,
          ratio <= 1.5,
        ]);
        const missed = exposed.filter((o) => o.result !== 'rolled back').length / Math.max(1, exposed.length);
        targets.push([
          `${f.name}: regressions not rolled back ≤ 1% (${(100 * missed).toFixed(1)}%)`,
          missed <= 0.01,
        ]);
      }
    }
  });
  return { table: lines.join('\n'), targets };
}

function pointJudge(c: Criterion, k: CriterionKind, m: Measurement, o: JudgeOptions): CriterionResult {
  return m.kind === 'ratio' && m.denominator > 0
    ? judgeCriterion(c, k, { kind: 'value', value: m.numerator / m.denominator }, o)
    : judgeCriterion(c, k, m, o);
}
