import { loadRolloutFile } from '../rollout/loader.js';
import type { Measurement, MetricRequest, MetricsProvider } from '../ports/metrics-provider.js';
import { planRequests } from '../providers/metrics/datadog/batch.js';
import type { Rollout } from '../rollout/types.js';
import { measureCheck, measureRollout } from '../runtime/measure.js';
import { simulatePure, type Outcome, type Policy } from './sequential-sim.js';
import { simulateRuntime } from './sequential-runtime.js';
import { families, type Family } from './sequential-traffic.js';
import { median, pct } from './summary-stats.js';

/*
 * The issue-10 families (sequential-traffic.ts): each seeded release through
 * the pure engine step (sequential-sim.ts) for stagegate and the comparison
 * policies, the first `runtimeReleases` of each family also through the real
 * runtime (sequential-runtime.ts), asserting the same decision at every
 * check; and the Datadog requests per check before (every window asked) and
 * after (increments, windows summed from them).
 */

export interface FamilyResult {
  readonly table: string;
  readonly targets: Array<[string, boolean]>;
  readonly runtime: string;
  readonly requests: string;
}

const releaseSeed = (seed: number, fi: number, i: number): number => seed + fi * 1_000_003 + i * 7919;

function targetsOf(f: Family, os: readonly Outcome[], ratio: number | null): Array<[string, boolean]> {
  const share = (g: (o: Outcome) => boolean): number => os.filter(g).length / Math.max(1, os.length);
  const every = f.rollout.check.schedule.kind === 'every' ? f.rollout.check.schedule.everyMs : 0;
  if (f.kind === 'healthy') {
    const fr = share((o) => o.result === 'rolled back');
    return [[`${f.name}: false rollbacks ≤ 1% per rollout (${(100 * fr).toFixed(1)}%)`, fr <= 0.01]];
  }
  if (f.kind === 'failing') {
    const limit = (f.rollout.policy.failingForMs ?? 3_600_000) + every;
    const inTime = share(
      (o) => o.cause === 'failing' && o.failingFrom !== null && o.endedAt - o.failingFrom <= limit,
    );
    // the verdict can flicker to inconclusive near the boundary before it stays `fail`: that restarts the clock
    const fromFirst = median(
      os.flatMap((o) => (o.firstFailAt === null ? [] : [(o.endedAt - o.firstFailAt) / 60_000])),
    );
    return [
      [
        `${f.name}: paused (failing) within failingFor + one check of the unbroken failing run (${(100 * inTime).toFixed(1)}%); median ${fromFirst ?? 'n/a'} min from the first failing verdict`,
        inTime >= 0.99,
      ],
    ];
  }
  const exposed = os.filter((o) => o.exposed);
  const missed = exposed.filter((o) => o.result !== 'rolled back').length / Math.max(1, exposed.length);
  const at100 =
    exposed.filter((o) => o.reached100 && o.result !== 'rolled back').length / Math.max(1, exposed.length);
  const out: Array<[string, boolean]> = [
    [`${f.name}: regressions not rolled back ≤ 1% (${(100 * missed).toFixed(1)}%)`, missed <= 0.01],
    [`${f.name}: bad releases completing at 100% ≤ 1% (${(100 * at100).toFixed(1)}%)`, at100 <= 0.01],
  ];
  if (ratio !== null)
    out.push([`${f.name}: median users after onset ≤ 1.5× oracle (${ratio.toFixed(2)}×)`, ratio <= 1.5]);
  return out;
}

/** Every family × policy; the first `runtimeReleases` of each also through the real runtime. */
export async function measureFamilies(
  releases: number,
  seed: number,
  comparisonReleases = releases,
  runtimeReleases = 0,
): Promise<FamilyResult> {
  const lines = [
    '| family | policy (releases) | rolled back | reached 100% | paused | median users after onset | oracle median | × oracle |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  ];
  const targets: Array<[string, boolean]> = [];
  const runtime: string[] = [];
  const all = families();
  for (const [fi, f] of all.entries()) {
    for (const policy of ['stagegate', 'before', 'point'] as Policy[]) {
      // the comparison policies hold for days and cost ten times as much: fewer releases of them
      const count0 = policy === 'stagegate' ? releases : comparisonReleases;
      const os = Array.from({ length: count0 }, (_, i) => simulatePure(f, policy, releaseSeed(seed, fi, i)));
      const exposed = os.filter((o) => o.exposed);
      const users = median(exposed.map((o) => o.usersAfterOnset));
      const oracle = median(exposed.flatMap((o) => (o.oracleUsers === null ? [] : [o.oracleUsers])));
      const ratio = users !== null && oracle !== null && oracle > 0 ? users / oracle : null;
      const count = (g: (o: Outcome) => boolean): string => pct(os.filter(g).length, count0);
      const onset = f.onset !== null;
      lines.push(
        `| ${f.name} | ${policy} (${count0}) | ${count((o) => o.result === 'rolled back')} | ${count((o) => o.reached100)} | ${count(
          (o) => o.result === 'paused',
        )} | ${onset ? (users ?? 'n/a') : '–'} | ${onset ? (oracle ?? 'n/a') : '–'} | ${
          ratio === null ? '–' : ratio.toFixed(2)
        } |`,
      );
      if (policy !== 'stagegate') continue;
      targets.push(...targetsOf(f, os, ratio));
      if (runtimeReleases > 0) {
        let same = 0;
        let first = '';
        for (let i = 0; i < Math.min(runtimeReleases, count0); i++) {
          const real = await simulateRuntime(f, releaseSeed(seed, fi, i));
          const pure = os[i]?.actions ?? [];
          if (real.length === pure.length && real.every((a, k) => a === pure[k])) same++;
          else if (first === '') {
            const k = real.findIndex((a, j) => a !== pure[j]);
            first = ` (release ${i}: check ${k + 1} runtime ${real[k] ?? 'end'} vs pure ${pure[k] ?? 'end'})`;
          }
        }
        const n = Math.min(runtimeReleases, count0);
        runtime.push(`| ${f.name} | ${same} of ${n}${first} |`);
        targets.push([`${f.name}: the runtime decides as the pure step (${same} of ${n})`, same === n]);
      }
    }
  }
  return {
    table: lines.join('\n'),
    targets,
    runtime: [
      '| family | same decision at every check, runtime vs pure step |',
      '|---|---|',
      ...runtime,
    ].join('\n'),
    requests: await requestsTable(all),
  };
}

class Recording implements MetricsProvider {
  readonly name = 'recording';
  readonly requests: MetricRequest[] = [];
  query(): Promise<Measurement> {
    return Promise.resolve({ kind: 'no-data', reason: 'recording' });
  }
  queryMany(rs: readonly MetricRequest[]): Promise<Measurement[]> {
    this.requests.push(...rs);
    return Promise.resolve(rs.map(() => ({ kind: 'value', value: 1 })));
  }
}

/** Datadog requests (the provider's batching, batch.ts) for one check two hours into a stage. */
async function requestsPerCheck(rollout: Rollout): Promise<[number, number]> {
  const now = Date.parse('2025-06-17T15:00:00Z');
  const opts = { now, stageStart: now - 2 * 3_600_000 };
  const count = (rs: readonly MetricRequest[]): number => {
    const plan = planRequests(rs);
    return plan.scalar.length + plan.events.length;
  };
  const before = new Recording();
  await measureRollout(rollout, () => before, opts);
  const first = new Recording();
  const ledger = (await measureCheck(rollout, () => first, { ...opts, now: now - 300_000 })).ledger;
  const after = new Recording();
  await measureCheck(rollout, () => after, { ...opts, ledger });
  return [count(before.requests), count(after.requests)];
}

async function requestsTable(all: readonly Family[]): Promise<string> {
  const rows = ['| rollout | requests per check before | after |', '|---|---:|---:|'];
  for (const file of [
    'rollouts/event-bus-gateway-emails.yaml',
    'rollouts/vre-eligibility-status-updates.yaml',
  ]) {
    try {
      const [b, a] = await requestsPerCheck(await loadRolloutFile(file));
      rows.push(`| ${file} | ${b} | ${a} |`);
    } catch {
      rows.push(`| ${file} | not found (run from the repository) | |`);
    }
  }
  const seen = new Set<Rollout>();
  for (const f of all) {
    if (seen.has(f.rollout)) continue;
    seen.add(f.rollout);
    const [b, a] = await requestsPerCheck(f.rollout);
    rows.push(`| bench: ${f.name} | ${b} | ${a} |`);
  }
  return rows.join('\n');
}

/** `node dist/bench/sequential-families.js`: only these families (BENCH_RELEASES, …_COMPARISON_, …_RUNTIME_). */
export async function runFamilies(): Promise<string> {
  const started = Date.now();
  const r = await measureFamilies(
    Number(process.env.BENCH_RELEASES ?? 1000),
    20250617,
    Number(process.env.BENCH_COMPARISON_RELEASES ?? 100),
    Number(process.env.BENCH_RUNTIME_RELEASES ?? 50),
  );
  const out = [
    r.table,
    '',
    ...r.targets.map(([text, ok]) => `- ${ok ? '✅' : '❌'} ${text}`),
    '',
    r.runtime,
    '',
    r.requests,
    '',
    `(${((Date.now() - started) / 1000).toFixed(1)} s)`,
    '',
  ].join('\n');
  process.stdout.write(out);
  return out;
}

if (process.argv[1]?.endsWith('sequential-families.js') === true) await runFamilies();
