import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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
  const child = spawn(process.execPath, [CLI, '--config', configPath, 'run', '--once'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  const wallMs = performance.now() - started;
  const summary = stderr
    .split('\n')
    .filter((l) => l.includes('"pass complete"'))
    .map((l) => JSON.parse(l) as { maxRssMb: number; checked: number })[0];
  return { wallMs, maxRssMb: summary?.maxRssMb ?? Number.NaN, checked: summary?.checked ?? 0, code };
}

export async function run(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stagegate-bench-'));
  const rolloutsDir = join(dir, 'rollouts');
  const stateDir = join(dir, 'state');
  await mkdir(rolloutsDir);
  const dd = await startDatadogSandbox();
  const flipper = await startFlipperSandbox();
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

    const before1 = dd.requestCount;
    const pass1 = await runPass(configPath, env);
    const healthy: PassMeasure = { ...pass1, requests: dd.requestCount - before1 };

    for (let i = 0; i < ROLLOUTS; i++)
      dd.setSeries(`sum:bench_${i}.errors{env:bench}.as_count()`, { perSecond: 10 });
    const before2 = dd.requestCount;
    const pass2 = await runPass(configPath, env);
    const breaching: PassMeasure = { ...pass2, requests: dd.requestCount - before2 };

    const store = new FileStateStore({ dir: stateDir });
    const latencies: number[] = [];
    let rolledBack = 0;
    for (let i = 0; i < ROLLOUTS; i++) {
      const history = await store.history(`bench-${i}`);
      const rollback = history.findIndex(
        (e) => e.type === 'check' && (e.detail.decision as { action?: string } | null)?.action === 'rollback',
      );
      const check = history[rollback];
      if (!check || check.type !== 'check') continue;
      const result = history.slice(rollback).find((e) => e.type === 'toggle-result' && e.ok);
      if (!result) continue;
      rolledBack++;
      latencies.push(result.at - (check.at - Number(check.detail.durationMs ?? 0)));
    }
    latencies.sort((a, b) => a - b);

    const perCheck = (p: PassMeasure) => (p.checked > 0 ? p.requests / p.checked : Number.NaN);
    const row = (metric: string, value: string, target: string, ok: boolean) =>
      `| ${metric} | ${value} | ${target} | ${ok ? 'yes' : 'NO'} |`;
    const table = [
      `${ROLLOUTS} rollouts, \`stagegate run --once\` (child process, file store, sandboxes on loopback), Node ${process.version}:`,
      '',
      '| measure | result | target | met |',
      '|---|---|---|---|',
      row(
        'pass over every rollout, healthy (wall time)',
        `${(healthy.wallMs / 1000).toFixed(2)} s`,
        '< 10 s',
        healthy.wallMs < 10_000,
      ),
      row(
        'pass over every rollout, all breaching (wall time)',
        `${(breaching.wallMs / 1000).toFixed(2)} s`,
        '< 10 s',
        breaching.wallMs < 10_000,
      ),
      row(
        'peak memory (max RSS of the process)',
        `${Math.max(healthy.maxRssMb, breaching.maxRssMb)} MB`,
        '< 300 MB',
        Math.max(healthy.maxRssMb, breaching.maxRssMb) < 300,
      ),
      row(
        'Datadog requests per rollout per check',
        `${perCheck(healthy).toFixed(2)} (healthy), ${perCheck(breaching).toFixed(2)} (breaching)`,
        '≤ 1',
        perCheck(healthy) <= 1 && perCheck(breaching) <= 1,
      ),
      row(
        'breach → toggle off (median / p95 / max)',
        `${percentile(latencies, 0.5)} / ${percentile(latencies, 0.95)} / ${latencies.at(-1) ?? Number.NaN} ms (${rolledBack} rollbacks)`,
        '< 1 s',
        rolledBack === ROLLOUTS && (latencies.at(-1) ?? Infinity) < 1_000,
      ),
      '',
      `Exit codes: ${healthy.code}, ${breaching.code}; checks recorded: ${healthy.checked}, ${breaching.checked}.`,
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
