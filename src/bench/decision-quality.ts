import { pathToFileURL } from 'node:url';
import { SEQUENTIAL_DECISIONS, type DecideOptions, type JudgeFn } from '../engine/decide.js';
import { judgeCriterion } from '../engine/judge.js';
import { pointEstimate, wilsonEveryLook } from './bench-judges.js';
import { CHECK_MS, HOUR } from './bench-rollout.js';
import { simulateRelease, type Outcome, type ReleaseKind } from './release-sim.js';
import { samplesToDecision } from './samples-to-decision.js';
import { measureFamilies } from './sequential-families.js';
import { median, pct } from './summary-stats.js';

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

const RELEASES = 1000;
const SEED = 20250617;

interface PolicyRow {
  readonly name: string;
  readonly healthy: Outcome[];
  readonly bad: Outcome[];
  readonly late: Outcome[];
}

function runPolicy(name: string, judge: JudgeFn, opts: DecideOptions = {}): PolicyRow {
  const releases = (kind: ReleaseKind, salt: number): Outcome[] =>
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
  const advance = samplesToDecision(SEED);
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

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = Date.now();
  await run();
  process.stdout.write(`(${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}
