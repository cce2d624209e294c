import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HistoryEntry, StateStore } from '../ports/state-store.js';
import { startDatadogSandbox, type DatadogSandbox } from '../sandbox/datadog-server.js';
import { startFlipperSandbox } from '../sandbox/flipper-server.js';
import { FileStateStore } from '../store/file-store.js';
import { createPool } from '../store/postgres/pool.js';
import { PostgresStateStore } from '../store/postgres/postgres-store.js';
import { onBenchDatabase } from './bench-database.js';
import { BENCH_DD_KEYS, CLI } from './failover-replicas.js';
import { percentile, throughputTable, type PassMeasure, type StoreMeasure } from './throughput-table.js';

/*
 * Runtime benchmark: 1,000 rollouts against the sandboxes over loopback,
 * measured on the real CLI (`stagegate run --once`, a child process), once on
 * the file store (with its fsyncs) and once on PostgreSQL (a database of its
 * own, bench-database.ts), printed as one table:
 *   pass 1  every rollout starts (its canary write);
 *   pass 2  every rollout healthy: measure, judge, hold;
 *   pass 3  every rollout breaching: rolled back, with breach-to-toggle-off
 *           latency per rollout — from the start of the check that sees the
 *           breach (history `check.at − detail.durationMs`) to the toggle
 *           write's response (history `toggle-result.at`).
 * Per pass: wall time, checks/s over the checking part, p50/p99 of the
 * checks' own durations (history `detail.durationMs`), peak RSS, Datadog
 * requests per check. Each rollout has two metrics (a count and a ratio) on
 * the same window, so one scalar request can answer a whole check.
 */

export interface ThroughputOptions {
  readonly rollouts?: number;
  readonly stores?: readonly ('file' | 'postgres')[];
  readonly write?: (text: string) => void;
}

function rolloutYaml(i: number): string {
  const m = `bench_${i}`;
  return `name: bench-${i}
toggle: { provider: flipper, feature: ${m}_enabled, gate: percentage_of_actors, onRollback: zero }
check: { every: 5m, timezone: UTC }
stages:
  - { name: canary, percent: 2, minDuration: 1h }
  - { name: full, percent: 100, minDuration: 1h }
metrics:
  requests:
    datadog: { query: "sum:${m}.requests{env:bench}.as_count()", aggregator: sum }
    window: 15m
  error_rate:
    datadog: { numerator: "sum:${m}.errors{env:bench}.as_count()", denominator: "sum:${m}.requests{env:bench}.as_count()" }
    window: 15m
criteria:
  advance: [error_rate < 5%]
  rollback: [error_rate > 5%]
`;
}

type Measured = Omit<PassMeasure, 'requests' | 'checkP50' | 'checkP99'> & { from: number; to: number };

async function runPass(configPath: string): Promise<Measured> {
  const from = Date.now();
  const started = performance.now();
  const nodeArgs = (process.env.STAGEGATE_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, CLI, '--config', configPath, 'run', '--once'], {
    env: { ...process.env, ...BENCH_DD_KEYS },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  const wallMs = performance.now() - started;
  const line = <T>(msg: string): T | undefined =>
    stderr
      .split('\n')
      .filter((l) => l.includes(`"msg":"${msg}"`))
      .map((l) => JSON.parse(l) as T)[0];
  const summary = line<{ maxRssMb: number; checked: number; durationMs: number }>('pass complete');
  const loaded = line<{ ms: number }>('rollouts loaded');
  return {
    wallMs,
    loadMs: loaded?.ms ?? Number.NaN,
    passMs: summary?.durationMs ?? Number.NaN,
    maxRssMb: summary?.maxRssMb ?? Number.NaN,
    checked: summary?.checked ?? 0,
    code,
    from,
    to: Date.now(),
  };
}

/** per rollout: the check durations of each pass and the rollback's breach → toggle-off latency */
function analyse(histories: readonly HistoryEntry[][], passes: readonly Measured[]) {
  const durations = passes.map(() => [] as number[]);
  const latencies: number[] = [];
  const samples: Array<{ start: number; decided: number; latency: number }> = [];
  for (const history of histories) {
    for (const e of history) {
      if (e.type !== 'check') continue;
      const p = passes.findIndex((x) => e.at >= x.from && e.at <= x.to);
      if (p >= 0) durations[p]?.push(Number(e.detail.durationMs ?? 0));
    }
    const check = history.find(
      (e) => e.type === 'check' && (e.detail.decision as { action?: string } | null)?.action === 'rollback',
    );
    const intent = history.find((e) => e.type === 'toggle-intent' && e.intent.action === 'disable');
    if (check?.type !== 'check' || intent?.type !== 'toggle-intent') continue;
    const result = history.find((e) => e.type === 'toggle-result' && e.ok && e.intentId === intent.intent.id);
    if (!result) continue;
    // the check began durationMs before its decision (history `at`); the write answered at the result's `at`
    const start = check.at - Number(check.detail.durationMs ?? 0);
    latencies.push(result.at - start);
    samples.push({ start, decided: check.at, latency: result.at - start });
  }
  // the first checks of a cold process may also wait for the Datadog client library to load: the checks
  // that started after the pass's first decision show the steady latency
  const firstDecision = Math.min(...samples.map((x) => x.decided));
  const warm = samples.filter((x) => x.start >= firstDecision).map((x) => x.latency);
  return { durations: durations.map((d) => d.sort((a, b) => a - b)), latencies, warm };
}

async function measureStore(
  rollouts: number,
  dd: DatadogSandbox,
  flipperUrl: string,
  dir: string,
  state: { line: string; open: () => { store: StateStore; close: () => Promise<void> } },
): Promise<Omit<StoreMeasure, 'store'>> {
  const configPath = join(dir, 'stagegate.yaml');
  await writeFile(
    configPath,
    `rolloutsDir: ${join(dir, 'rollouts')}
state: ${state.line}
metrics:
  datadog: { type: datadog, baseUrl: "${dd.url}" }
toggles:
  flipper: { type: flipper, baseUrl: "${flipperUrl}" }
server: { enabled: false }
log: { level: info }
`,
  );
  const series = (perSecond: number) => {
    for (let i = 0; i < rollouts; i++) {
      dd.setSeries(`sum:bench_${i}.requests{env:bench}.as_count()`, { perSecond: 20 });
      dd.setSeries(`sum:bench_${i}.errors{env:bench}.as_count()`, { perSecond });
    }
  };
  series(0.1);
  const passes: Measured[] = [];
  const requests: number[] = [];
  for (let p = 0; p < 3; p++) {
    // pass 3: every rollout breaches and is rolled back
    if (p === 2) series(10);
    const before = dd.requestCount;
    passes.push(await runPass(configPath));
    requests.push(dd.requestCount - before);
  }
  const { store, close } = state.open();
  let histories: HistoryEntry[][];
  try {
    histories = [];
    for (let i = 0; i < rollouts; i++) histories.push(await store.history(`bench-${i}`));
  } finally {
    await close();
  }
  const { durations, latencies, warm } = analyse(histories, passes);
  return {
    passes: passes.map((m, i) => ({
      ...m,
      requests: requests[i] ?? 0,
      checkP50: percentile(durations[i] ?? [], 0.5),
      checkP99: percentile(durations[i] ?? [], 0.99),
    })),
    latencies: latencies.sort((a, b) => a - b),
    warm: warm.sort((a, b) => a - b),
  };
}

export async function measureThroughput(
  opts: Required<Pick<ThroughputOptions, 'rollouts' | 'stores'>>,
): Promise<{ stores: StoreMeasure[]; skipped: string[] }> {
  const { rollouts } = opts;
  const root = await mkdtemp(join(tmpdir(), 'stagegate-bench-'));
  const dd = await startDatadogSandbox();
  const flipper = await startFlipperSandbox({
    features: Array.from({ length: rollouts }, (_, i) => `bench_${i}_enabled`),
  });
  const stores: StoreMeasure[] = [];
  const skipped: string[] = [];
  // each store starts from the same untouched rollouts and toggles
  const workspace = async (kind: string) => {
    const dir = join(root, kind);
    await mkdir(join(dir, 'rollouts'), { recursive: true });
    for (let i = 0; i < rollouts; i++) {
      await writeFile(join(dir, 'rollouts', `bench-${i}.yaml`), rolloutYaml(i));
      flipper.setFeature(`bench_${i}_enabled`, { percentageOfActors: 0 });
    }
    return dir;
  };
  try {
    for (const kind of opts.stores) {
      const dir = await workspace(kind);
      if (kind === 'file') {
        const stateDir = join(dir, 'state');
        const m = await measureStore(rollouts, dd, flipper.url, dir, {
          line: `{ type: file, dir: ${stateDir} }`,
          open: () => ({ store: new FileStateStore({ dir: stateDir }), close: async () => undefined }),
        });
        stores.push({ store: 'file (fsync)', ...m });
        continue;
      }
      const done = await onBenchDatabase(async (url) =>
        measureStore(rollouts, dd, flipper.url, dir, {
          line: `{ type: postgres, url: "${url}", schema: bench_throughput }`,
          open: () => {
            const pool = createPool({ url, max: 4 });
            return {
              store: new PostgresStateStore({ pool, schema: 'bench_throughput' }),
              close: () => pool.end(),
            };
          },
        }),
      );
      if (done.ok) stores.push({ store: `postgres (${done.kind})`, ...done.value });
      else skipped.push(`postgres skipped: ${done.reason}`);
    }
  } finally {
    await Promise.all([dd.close(), flipper.close()]);
    await rm(root, { recursive: true, force: true });
  }
  return { stores, skipped };
}

export async function run(opts: ThroughputOptions = {}): Promise<string> {
  const rollouts = opts.rollouts ?? Number(process.env.STAGEGATE_BENCH_ROLLOUTS ?? 1000);
  const measured = await measureThroughput({ rollouts, stores: opts.stores ?? ['file', 'postgres'] });
  const head = `${rollouts} rollouts, \`stagegate run --once\` as a child process (real Datadog client and Flipper provider against the sandboxes on loopback), Node ${process.version}, ${availableParallelism()} CPUs:`;
  const out = [head, '', throughputTable(measured.stores, rollouts), ...measured.skipped].join('\n');
  (opts.write ?? ((t: string) => process.stdout.write(t)))(`${out}\n`);
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().catch((err: unknown) => {
    process.stderr.write(`benchmark failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
