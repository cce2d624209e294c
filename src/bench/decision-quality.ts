import { pathToFileURL } from 'node:url';
import {
  decide,
  SEQUENTIAL_DECISIONS,
  ZERO_COUNTERS,
  type DecideOptions,
  type DecisionCounters,
  type JudgeFn,
} from '../engine/decide.js';
import { compare, judgeCriterion } from '../engine/judge.js';
import { wilsonInterval } from '../engine/stats.js';
import type { Measurement } from '../ports/metrics-provider.js';
import { parseCriterion } from '../rollout/criteria.js';
import type { Rollout, Stage } from '../rollout/types.js';
import { measureFamilies } from './sequential-families.js';

/*
 * Decision-quality benchmark (`npm run bench`, or `node dist/bench/decision-quality.js`).
 *
 * Simulates releases at the traffic of the seed release plans and compares
 * stagegate's decisions with a point-estimate policy (the latest value
 * against the threshold on every check, as Argo Rollouts and Flagger judge
 * analysis results) and with a plain Wilson interval on every look (no
 * correction for repeated looks), all driving the same `decide()` the
 * rollout machine calls on every TICK, with the machine's stage bookkeeping:
 *
 * - stages from the Event Bus Gateway plan: canary 2% for 4h, then 25%, 50%,
 *   75%, 100% for 8h each; a check every 5 minutes; maxStageDuration 72h;
 * - traffic: the canary sees U users over its 4 hours, U uniform in 10..500
 *   (the seeds' canaries: ≈10 and 200 users); later stages see users in
 *   proportion to their percent; arrivals per check are Poisson;
 * - each user's request fails with the release's true error rate: 3% for a
 *   healthy release, 10% for a bad one, and for a "regression at 50%" 3%
 *   until the 50% stage and 10% from its first check;
 * - criteria: `error_rate < 5%` to advance, `error_rate > 5% for 2 checks`
 *   to roll back, error_rate counted over the stage (`window: stage`),
 *   policy.confidence 0.95.
 *
 * A seeded PRNG (mulberry32) makes every run print the same numbers.
 */

const CHECK_MS = 5 * 60_000;
const HOUR = 3_600_000;
const RELEASES = 1000;
const SEED = 20250617;

const THRESHOLD_TEXT = {
  advance: 'error_rate < 5%',
  rollback: 'error_rate > 5% for 2 checks',
};

function stage(name: string, percent: number, hours: number): Stage {
  return { name, percent, minDurationMs: hours * HOUR, minSamples: undefined, approval: false };
}

export const BENCH_ROLLOUT: Rollout = {
  name: 'bench-release',
  description: 'decision-quality benchmark',
  source: undefined,
  specHash: 'bench',
  toggle: {
    provider: 'memory',
    feature: 'bench',
    gate: 'percentage_of_actors',
    onRollback: 'zero',
    onComplete: 'keep',
  },
  start: { kind: 'immediately' },
  check: { schedule: { kind: 'every', everyMs: CHECK_MS }, timezone: 'UTC', advanceDuring: undefined },
  stages: [
    stage('canary', 2, 4),
    stage('stage-b', 25, 8),
    stage('stage-c', 50, 8),
    stage('stage-d', 75, 8),
    stage('stage-e', 100, 8),
  ],
  samples: undefined,
  metrics: {
    error_rate: {
      name: 'error_rate',
      provider: undefined,
      query: { kind: 'ratio', numerator: 'errors', denominator: 'requests' },
      window: { kind: 'stage' },
    },
  },
  criteria: {
    advance: [parseCriterion(THRESHOLD_TEXT.advance)],
    rollback: [parseCriterion(THRESHOLD_TEXT.rollback)],
  },
  policy: { noData: 'hold', maxConsecutiveErrors: 4, confidence: 0.95, maxStageDurationMs: 72 * HOUR },
  postLaunchMs: [],
  notify: [],
};

/** mulberry32: a small, fast, well-mixed 32-bit PRNG; plenty for a simulation. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Poisson by inversion (the means here stay below ~600, where exp(-mean) is still representable). */
export function poisson(rand: () => number, mean: number): number {
  if (mean <= 0) return 0;
  const u = rand();
  let k = 0;
  let p = Math.exp(-mean);
  let cdf = p;
  while (u > cdf && k < 100_000) {
    k++;
    p *= mean / k;
    cdf += p;
  }
  return k;
}

/** Binomial by inversion: O(n·p) steps, small at these error rates. */
export function binomial(rand: () => number, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  const u = rand();
  const q = p / (1 - p);
  let x = 0;
  let pr = (1 - p) ** n;
  let cdf = pr;
  while (u > cdf && x < n) {
    pr *= ((n - x) / (x + 1)) * q;
    x++;
    cdf += pr;
  }
  return x;
}

type Kind = 'healthy' | 'bad' | 'late';

interface Outcome {
  readonly result: 'rolled back' | 'completed' | 'paused';
  /** the check at which the toggle reached 100%, if it did */
  readonly reached100At: number | null;
  /** checks from the first exposed check to the rollback, inclusive; null when not rolled back after exposure */
  readonly checksToRollback: number | null;
  readonly exposed: boolean;
  /** users served the bad release before the rollback (or the end) */
  readonly usersExposed: number;
}

const STAGE_50 = 2;

function errorRate(kind: Kind, stageIndex: number): number {
  if (kind === 'healthy') return 0.03;
  if (kind === 'bad') return 0.1;
  return stageIndex >= STAGE_50 ? 0.1 : 0.03;
}

function simulateRelease(judge: JudgeFn, kind: Kind, seed: number, opts: DecideOptions): Outcome {
  const rollout = BENCH_ROLLOUT;
  const rand = prng(seed);
  const canaryUsers = 10 + Math.floor(rand() * 491);
  const canary = rollout.stages[0];
  const checksInCanary = (canary?.minDurationMs ?? HOUR) / CHECK_MS;
  const usersPerCheckAtFull = canaryUsers / ((canary?.percent ?? 2) / 100) / checksInCanary;
  const last = rollout.stages.length - 1;
  const maxStage = rollout.policy.maxStageDurationMs ?? 72 * HOUR;

  let stageIndex = 0;
  let stageStart = 0;
  let counters: DecisionCounters = ZERO_COUNTERS;
  let users = 0;
  let errors = 0;
  let reached100At: number | null = null;
  let exposedAt: number | null = kind === 'bad' ? 1 : null;
  let usersExposed = 0;
  for (let check = 1; check < 20_000; check++) {
    const now = check * CHECK_MS;
    if (exposedAt === null && kind === 'late' && stageIndex >= STAGE_50) exposedAt = check;
    const percent = rollout.stages[stageIndex]?.percent ?? 0;
    const arrived = poisson(rand, (usersPerCheckAtFull * percent) / 100);
    users += arrived;
    if (exposedAt !== null) usersExposed += arrived;
    errors += binomial(rand, arrived, errorRate(kind, stageIndex));
    const measurement: Measurement =
      users > 0
        ? { kind: 'ratio', numerator: errors, denominator: users, value: errors / users }
        : { kind: 'no-data', reason: 'no users yet' };
    const d = decide(
      {
        rollout,
        now,
        stageIndex,
        stageStartedAt: stageStart,
        stageDeadline: stageStart + maxStage,
        approved: false,
        counters,
        measurements: { error_rate: measurement },
      },
      judge,
      opts,
    );
    counters = d.nextCounters;
    switch (d.action) {
      case 'rollback':
        return {
          result: 'rolled back',
          reached100At,
          checksToRollback: exposedAt === null ? null : check - exposedAt + 1,
          exposed: exposedAt !== null,
          usersExposed,
        };
      case 'pause':
        return {
          result: 'paused',
          reached100At,
          checksToRollback: null,
          exposed: exposedAt !== null,
          usersExposed,
        };
      case 'complete':
        return {
          result: 'completed',
          reached100At,
          checksToRollback: null,
          exposed: exposedAt !== null,
          usersExposed,
        };
      case 'advance':
        // the machine: the next stage's write lands, its clock and `stage` window restart, streaks and looks reset
        stageIndex += 1;
        stageStart = now;
        counters = { ...ZERO_COUNTERS, errors: counters.errors };
        users = 0;
        errors = 0;
        if (stageIndex === last) reached100At = check;
        break;
      case 'hold':
        break;
    }
  }
  return {
    result: 'paused',
    reached100At,
    checksToRollback: null,
    exposed: exposedAt !== null,
    usersExposed,
  };
}

/** The latest value against the threshold: no interval, no notion of sample size. */
const pointEstimate: JudgeFn = (c, kind, m, opts) =>
  m.kind === 'ratio' && m.denominator > 0
    ? judgeCriterion(c, kind, { kind: 'value', value: m.numerator / m.denominator }, opts)
    : judgeCriterion(c, kind, m, opts);

/** Rollbacks on a plain Wilson interval at policy.confidence on every look: what repeated looks do to it. */
const wilsonEveryLook: JudgeFn = (c, kind, m, opts) => {
  if (kind !== 'rollback' || m.kind !== 'ratio' || !(m.denominator > 0))
    return judgeCriterion(c, kind, m, opts);
  const interval = wilsonInterval(m.numerator, m.denominator, opts.confidence);
  const breach =
    interval !== null && compare(interval[0], c.op, c.threshold) && compare(interval[1], c.op, c.threshold);
  return {
    criterion: c,
    kind,
    verdict: breach ? 'breach' : 'ok',
    value: m.numerator / m.denominator,
    interval,
    confidence: opts.confidence,
    samples: m.denominator,
    reason: breach ? 'breach' : 'ok',
  };
};

interface PolicyRow {
  readonly name: string;
  readonly healthy: Outcome[];
  readonly bad: Outcome[];
  readonly late: Outcome[];
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? null) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function pct(part: number, whole: number): string {
  return whole === 0 ? 'n/a' : `${((100 * part) / whole).toFixed(1)}%`;
}

function runPolicy(name: string, judge: JudgeFn, opts: DecideOptions = {}): PolicyRow {
  const releases = (kind: Kind, salt: number): Outcome[] =>
    Array.from({ length: RELEASES }, (_, i) =>
      simulateRelease(judge, kind, SEED + salt * 1_000_003 + i * 7919, opts),
    );
  return { name, healthy: releases('healthy', 1), bad: releases('bad', 2), late: releases('late', 3) };
}

export interface BenchResult {
  readonly table: string;
  readonly targetsMet: boolean;
}

export function measure(): BenchResult {
  const policies = [
    runPolicy('stagegate (sequential)', (c, k, m, o) => judgeCriterion(c, k, m, o), SEQUENTIAL_DECISIONS),
    runPolicy('before (per-look interval)', (c, k, m, o) => judgeCriterion(c, k, m, o)),
    runPolicy('point estimate', pointEstimate),
    runPolicy('Wilson, every look', wilsonEveryLook),
  ];
  const rows: Array<[string, (p: PolicyRow) => string]> = [
    [
      'healthy (3%): rolled back — false rollbacks',
      (p) => pct(p.healthy.filter((o) => o.result === 'rolled back').length, RELEASES),
    ],
    ['healthy: reached 100%', (p) => pct(p.healthy.filter((o) => o.reached100At !== null).length, RELEASES)],
    [
      'healthy: paused, held 72h in a stage',
      (p) => pct(p.healthy.filter((o) => o.result === 'paused').length, RELEASES),
    ],
    [
      'healthy: median time to 100%',
      (p) => {
        const m = median(
          p.healthy.flatMap((o) => (o.reached100At === null ? [] : [(o.reached100At * CHECK_MS) / HOUR])),
        );
        return m === null ? 'n/a' : `${m.toFixed(1)} h`;
      },
    ],
    ['bad (10%): reached 100%', (p) => pct(p.bad.filter((o) => o.reached100At !== null).length, RELEASES)],
    ['bad: rolled back', (p) => pct(p.bad.filter((o) => o.result === 'rolled back').length, RELEASES)],
    [
      'bad: paused at 2% after 72h without proof either way',
      (p) => pct(p.bad.filter((o) => o.result === 'paused').length, RELEASES),
    ],
    [
      'bad: median checks from exposure to rollback',
      (p) =>
        String(
          median(p.bad.flatMap((o) => (o.checksToRollback === null ? [] : [o.checksToRollback]))) ?? 'n/a',
        ),
    ],
    [
      'bad: median users served the bad release before the rollback',
      (p) =>
        String(median(p.bad.flatMap((o) => (o.result === 'rolled back' ? [o.usersExposed] : []))) ?? 'n/a'),
    ],
    [
      'regression at 50%: reached the 50% stage',
      (p) => pct(p.late.filter((o) => o.exposed).length, RELEASES),
    ],
    [
      'regression at 50%: rolled back, of those',
      (p) =>
        pct(
          p.late.filter((o) => o.exposed && o.result === 'rolled back').length,
          p.late.filter((o) => o.exposed).length,
        ),
    ],
    [
      'regression at 50%: median checks from the first 50% check to rollback',
      (p) =>
        String(
          median(p.late.flatMap((o) => (o.checksToRollback === null ? [] : [o.checksToRollback]))) ?? 'n/a',
        ),
    ],
    [
      'regression at 50%: reached 100%',
      (p) => pct(p.late.filter((o) => o.reached100At !== null).length, RELEASES),
    ],
  ];
  const header = `| ${RELEASES.toLocaleString('en-US')} releases per group | ${policies.map((p) => p.name).join(' | ')} |`;
  const divider = `|---|${policies.map(() => '---:').join('|')}|`;
  const body = rows.map(([label, f]) => `| ${label} | ${policies.map(f).join(' | ')} |`);

  const [ours, , point] = policies;
  const share = (os: readonly Outcome[] | undefined, f: (o: Outcome) => boolean): number =>
    os === undefined ? 1 : os.filter(f).length / RELEASES;
  const falseRollbacks = share(ours?.healthy, (o) => o.result === 'rolled back');
  const badAt100 = share(ours?.bad, (o) => o.reached100At !== null);
  const detect = (p: PolicyRow | undefined): number =>
    median(p?.late.flatMap((o) => (o.checksToRollback === null ? [] : [o.checksToRollback])) ?? []) ??
    Infinity;
  const targets: Array<[string, boolean]> = [
    [`false rollbacks ≤ 1% (${(100 * falseRollbacks).toFixed(1)}%)`, falseRollbacks <= 0.01],
    [`bad releases reaching 100% ≤ 1% (${(100 * badAt100).toFixed(1)}%)`, badAt100 <= 0.01],
    [
      `detection at the 50% stage no slower than the point estimate (median ${detect(ours)} vs ${detect(point)} checks)`,
      detect(ours) <= detect(point),
    ],
  ];
  const table = [
    header,
    divider,
    ...body,
    '',
    ...targets.map(([text, ok]) => `- ${ok ? '✅' : '❌'} ${text}`),
    '',
  ].join('\n');
  return { table, targetsMet: targets.every(([, ok]) => ok) };
}

/** Runs the benchmark, prints the markdown tables and returns them. */
export async function run(): Promise<string> {
  const { table } = measure();
  process.stdout.write(`${table}\n`);
  const releases = Number(process.env.BENCH_RELEASES ?? RELEASES);
  const comparison = Number(process.env.BENCH_COMPARISON_RELEASES ?? 100);
  const runtimeReleases = Number(process.env.BENCH_RUNTIME_RELEASES ?? 50);
  const fam = await measureFamilies(releases, SEED, comparison, runtimeReleases);
  const advance = samplesToDecision();
  const out = [
    '',
    '### Issue-10 families (pure engine step; oracle = CUSUM knowing 3% → 10%, same threshold)',
    '',
    fam.table,
    '',
    ...fam.targets.map(([text, ok]) => `- ${ok ? '✅' : '❌'} ${text}`),
    '',
    `### The same releases through the real runtime (simulateRollout), first ${runtimeReleases} of each family`,
    '',
    fam.runtime,
    '',
    '### Datadog requests per check (one check two hours into a stage)',
    '',
    fam.requests,
    '',
    '### Advance: samples to a decision, one look per check of 20 users',
    '',
    advance,
    '',
  ].join('\n');
  process.stdout.write(out);
  return `${table}${out}`;
}

/**
 * Median samples until `error_rate < 5%` passes (true 3%) or definitely fails
 * (true 10%), looking after every 20 users: the confidence sequence (valid
 * at every look) against a Wilson interval (valid for one look).
 */
function samplesToDecision(): string {
  const c = parseCriterion('error_rate < 5%');
  const rows: string[] = [
    '| true rate | confidence sequence | Wilson (one-look interval, looked at every check) |',
    '|---|---:|---:|',
  ];
  for (const [rate, want] of [
    [0.03, 'pass'],
    [0.1, 'fail'],
  ] as const) {
    const cols = [true, false].map((sequential) => {
      const ns: number[] = [];
      for (let r = 0; r < 300; r++) {
        const rand = prng(SEED + r * 31 + (sequential ? 1 : 2));
        let x = 0;
        let n = 0;
        for (let look = 0; look < 500; look++) {
          x += binomial(rand, 20, rate);
          n += 20;
          const v = judgeCriterion(
            c,
            'advance',
            { kind: 'ratio', numerator: x, denominator: n, value: x / n },
            {
              confidence: 0.95,
              sequential,
            },
          ).verdict;
          if (v === want) {
            ns.push(n);
            break;
          }
        }
      }
      return String(median(ns) ?? 'n/a');
    });
    rows.push(`| ${rate * 100}% (${want}) | ${cols[0]} | ${cols[1]} |`);
  }
  return rows.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = Date.now();
  await run();
  process.stdout.write(`(${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}
