import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startDatadogSandbox } from '../sandbox/datadog-server.js';
import { startFlipperSandbox } from '../sandbox/flipper-server.js';
import { FileStateStore } from '../store/file-store.js';

/*
 * Runtime benchmark: 1,000 rollouts against the sandboxes over loopback,
 * measured on the real CLI (`stagegate run --once`, a child process, the file
 * store with its fsyncs):
 *   pass 1  every rollout healthy: wall time and peak RSS of the pass,
 *           Datadog requests per rollout per check;
 *   pass 2  every rollout breaching: the same, plus breach-to-toggle-off
 *           latency per rollout — from the start of the check that sees the
 *           breach (history `check.at − detail.durationMs`) to the toggle
 *           write's response (history `toggle-result.at`).
 * Each rollout has two metrics (a count and a ratio) on the same window, so
 * one scalar request can answer a whole check.
 */

const ROLLOUTS = Number(process.env.STAGEGATE_BENCH_ROLLOUTS ?? 1000);
const CLI = resolve(import.meta.dirname, '../cli/main.js');

interface PassMeasure {
  readonly wallMs: number;
  /** of the wall time: loading and validating every rollout file */
  readonly loadMs: number;
  /** of the wall time: the checks themselves */
  readonly passMs: number;
  readonly maxRssMb: number;
  readonly requests: number;
  readonly checked: number;
  readonly code: number | null;
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

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

async function runPass(configPath: string, env: NodeJS.ProcessEnv): Promise<Omit<PassMeasure, 'requests'>> {
  const started = performance.now();
  const nodeArgs = (process.env.STAGEGATE_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, CLI, '--config', configPath, 'run', '--once'], {
    env,
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
  };
}

export async function run(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stagegate-bench-'));
  const rolloutsDir = join(dir, 'rollouts');
  const stateDir = join(dir, 'state');
  await mkdir(rolloutsDir);
  const dd = await startDatadogSandbox();
  const flipper = await startFlipperSandbox({
    features: Array.from({ length: ROLLOUTS }, (_, i) => `bench_${i}_enabled`),
  });
  try {
    for (let i = 0; i < ROLLOUTS; i++) {
      dd.setSeries(`sum:bench_${i}.requests{env:bench}.as_count()`, { perSecond: 20 });
      dd.setSeries(`sum:bench_${i}.errors{env:bench}.as_count()`, { perSecond: 0.1 });
      await writeFile(join(rolloutsDir, `bench-${i}.yaml`), rolloutYaml(i));
    }
    const configPath = join(dir, 'stagegate.yaml');
    await writeFile(
      configPath,
      `rolloutsDir: ${rolloutsDir}
state: { type: file, dir: ${stateDir} }
metrics:
  datadog: { type: datadog, baseUrl: "${dd.url}" }
toggles:
  flipper: { type: flipper, baseUrl: "${flipper.url}" }
server: { enabled: false }
log: { level: info }
`,
    );
    const env = { ...process.env, DD_API_KEY: 'bench-api-key', DD_APP_KEY: 'bench-app-key' };

    const pass = async (): Promise<PassMeasure> => {
      const before = dd.requestCount;
      const measured = await runPass(configPath, env);
      return { ...measured, requests: dd.requestCount - before };
    };
    // pass 1 starts every rollout (its canary write); pass 2 is the steady state: measure, judge, hold
    const starting = await pass();
    const steady = await pass();
    for (let i = 0; i < ROLLOUTS; i++)
      dd.setSeries(`sum:bench_${i}.errors{env:bench}.as_count()`, { perSecond: 10 });
    // pass 3: every rollout breaches and is rolled back
    const breaching = await pass();

    const store = new FileStateStore({ dir: stateDir });
    const latencies: number[] = [];
    const samples: Array<{ start: number; decided: number; latency: number }> = [];
    let rolledBack = 0;
    for (let i = 0; i < ROLLOUTS; i++) {
      const history = await store.history(`bench-${i}`);
      const check = history.find(
        (e) => e.type === 'check' && (e.detail.decision as { action?: string } | null)?.action === 'rollback',
      );
      const intent = history.find((e) => e.type === 'toggle-intent' && e.intent.action === 'disable');
      if (check?.type !== 'check' || intent?.type !== 'toggle-intent') continue;
      const result = history.find(
        (e) => e.type === 'toggle-result' && e.ok && e.intentId === intent.intent.id,
      );
      if (!result) continue;
      rolledBack++;
      // the check began durationMs before its decision (history `at`); the write answered at the result's `at`
      const start = check.at - Number(check.detail.durationMs ?? 0);
      latencies.push(result.at - start);
      samples.push({ start, decided: check.at, latency: result.at - start });
    }
    latencies.sort((a, b) => a - b);
    // the first checks of a cold process also wait for the Datadog client library to load (lazily, on the
    // first query): the checks that started after the first decision of the pass show the steady latency
    const firstDecision = Math.min(...samples.map((x) => x.decided));
    const warm = samples
      .filter((x) => x.start >= firstDecision)
      .map((x) => x.latency)
      .sort((a, b) => a - b);

    const perCheck = (p: PassMeasure) => (p.checked > 0 ? p.requests / p.checked : Number.NaN);
    const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const passRow = (label: string, p: PassMeasure) =>
      `| ${label} | ${seconds(p.wallMs)} | ${seconds(p.loadMs)} | ${seconds(p.passMs)} | ${p.maxRssMb} MB | ${perCheck(p).toFixed(2)} | ${p.checked} | ${p.code} |`;
    const passes = [starting, steady, breaching];
    const worstWall = Math.max(...passes.map((p) => p.wallMs));
    const worstRss = Math.max(...passes.map((p) => p.maxRssMb));
    const worstRequests = Math.max(...passes.map(perCheck).filter((n) => !Number.isNaN(n)));
    const maxLatency = latencies.at(-1) ?? Infinity;
    const table = [
      `${ROLLOUTS} rollouts, \`stagegate run --once\` as a child process (file store with fsync, real Datadog client and Flipper provider against the sandboxes on loopback), Node ${process.version}, ${availableParallelism()} CPUs:`,
      '',
      '| pass | wall time | of which loading files | of which checks | peak RSS | Datadog requests per rollout per check | rollouts checked | exit |',
      '|---|---|---|---|---|---|---|---|',
      passRow('1: start (every canary write)', starting),
      passRow('2: steady state (measure, hold)', steady),
      passRow('3: every rollout breaches (rollback writes)', breaching),
      '',
      '| target | result | met |',
      '|---|---|---|',
      `| one pass over ${ROLLOUTS} rollouts < 10 s | worst ${seconds(worstWall)} | ${worstWall < 10_000 ? 'yes' : 'NO'} |`,
      `| peak memory < 300 MB | worst ${worstRss} MB | ${worstRss < 300 ? 'yes' : 'NO'} |`,
      `| ≤ 1 Datadog request per rollout per check | worst ${worstRequests.toFixed(2)} | ${worstRequests <= 1 ? 'yes' : 'NO'} |`,
      `| breach → toggle off < 1 s | all ${rolledBack} rollbacks of the pass: median ${percentile(latencies, 0.5)} ms, p95 ${percentile(latencies, 0.95)} ms, max ${maxLatency} ms | ${rolledBack === ROLLOUTS && maxLatency < 1_000 ? 'yes' : 'NO'} |`,
      `| | the ${warm.length} checks started after the client library had loaded: median ${percentile(warm, 0.5)} ms, p95 ${percentile(warm, 0.95)} ms, max ${warm.at(-1) ?? Number.NaN} ms | ${(warm.at(-1) ?? Infinity) < 1_000 ? 'yes' : 'NO'} |`,
    ].join('\n');
    process.stdout.write(`${table}\n`);
    return table;
  } finally {
    await Promise.all([dd.close(), flipper.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run().catch((err: unknown) => {
    process.stderr.write(`benchmark failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
