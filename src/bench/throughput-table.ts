/*
 * The controller-throughput benchmark's one table: every pass of every store
 * as a row, then the targets per store. Pure formatting of what
 * controller-throughput.ts measured, so its test can feed it numbers.
 */

export interface PassMeasure {
  readonly wallMs: number;
  /** of the wall time: loading and validating every rollout file */
  readonly loadMs: number;
  /** of the wall time: the checks themselves (the controller's `pass complete` duration) */
  readonly passMs: number;
  readonly maxRssMb: number;
  readonly requests: number;
  readonly checked: number;
  readonly code: number | null;
  /** of the checks' own durations (history `detail.durationMs`) in this pass */
  readonly checkP50: number;
  readonly checkP99: number;
}

export interface StoreMeasure {
  readonly store: string;
  /** start, steady state, every rollout breaching */
  readonly passes: readonly PassMeasure[];
  /** breach → toggle off per rolled-back rollout, sorted */
  readonly latencies: readonly number[];
  /** the same, of the checks that started after the pass's first decision, sorted */
  readonly warm: readonly number[];
}

const PASSES = [
  '1: start (every canary write)',
  '2: steady state (measure, hold)',
  '3: every rollout breaches',
];

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const perCheck = (p: PassMeasure) => (p.checked > 0 ? p.requests / p.checked : Number.NaN);
/** over the checking part of the pass, not the process start and file loading */
export const checksPerSecond = (p: PassMeasure) =>
  p.passMs > 0 ? (p.checked * 1000) / p.passMs : Number.NaN;

function targets(s: StoreMeasure, rollouts: number): string[] {
  const worstWall = Math.max(...s.passes.map((p) => p.wallMs));
  const worstRss = Math.max(...s.passes.map((p) => p.maxRssMb));
  const worstRequests = Math.max(...s.passes.map(perCheck).filter((n) => !Number.isNaN(n)));
  const max = s.latencies.at(-1) ?? Infinity;
  const yes = (ok: boolean) => (ok ? 'yes' : 'NO');
  return [
    `| ${s.store} | one pass over ${rollouts} rollouts < 10 s | worst ${seconds(worstWall)} | ${yes(worstWall < 10_000)} |`,
    `| ${s.store} | peak memory < 300 MB | worst ${worstRss} MB | ${yes(worstRss < 300)} |`,
    `| ${s.store} | ≤ 1 Datadog request per rollout per check | worst ${worstRequests.toFixed(2)} | ${yes(worstRequests <= 1)} |`,
    `| ${s.store} | breach → toggle off < 1 s | ${s.latencies.length} rollbacks: median ${percentile(s.latencies, 0.5)} ms, p95 ${percentile(s.latencies, 0.95)} ms, max ${max} ms; warm (${s.warm.length}): median ${percentile(s.warm, 0.5)} ms, max ${s.warm.at(-1) ?? Number.NaN} ms | ${yes(s.latencies.length === rollouts && max < 1_000)} |`,
  ];
}

export function throughputTable(stores: readonly StoreMeasure[], rollouts: number): string {
  const rows = stores.flatMap((s) =>
    s.passes.map(
      (p, i) =>
        `| ${s.store} | ${PASSES[i] ?? String(i + 1)} | ${seconds(p.wallMs)} | ${seconds(p.loadMs)} | ${seconds(p.passMs)} | ${checksPerSecond(p).toFixed(0)} | ${p.checkP50} ms | ${p.checkP99} ms | ${p.maxRssMb} MB | ${perCheck(p).toFixed(2)} | ${p.checked} | ${p.code} |`,
    ),
  );
  return [
    '| store | pass | wall time | of which loading files | of which checks | checks/s | check p50 | check p99 | peak RSS | Datadog requests per check | rollouts checked | exit |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows,
    '',
    '| store | target | result | met |',
    '|---|---|---|---|',
    ...stores.flatMap((s) => targets(s, rollouts)),
  ].join('\n');
}
