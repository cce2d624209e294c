import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../config/loader.js';
import { createController } from '../controller/controller.js';
import { createWiring } from '../controller/wiring.js';
import { StagegateError } from '../errors.js';
import { silentLogger } from '../log.js';
import type { Measurement, MetricRequest, MetricsProvider } from '../ports/metrics-provider.js';
import type { RolloutRecord, SaveOptions } from '../ports/state-store.js';
import { MemoryToggleProvider } from '../providers/toggles/memory.js';
import { parseRolloutText } from '../rollout/loader.js';
import { openEngineSession } from '../runtime/engine-adapter.js';
import { createRunner } from '../runtime/runner.js';
import { startFlipperSandbox } from '../sandbox/flipper-server.js';
import { MemoryStateStore } from '../store/memory-store.js';

/*
 * Issue 11's two latencies that matter on call (`node dist/bench/fault-latency.js`):
 *   1. abort behind a hung Datadog query: a running controller (real Flipper
 *      sandbox over loopback, a Datadog that accepts and never answers),
 *      time from `controller.command(abort)` to the answer with the toggle off;
 *   2. toggle-off when the record save fails: a breaching check through the
 *      runner with a store whose saves throw E_STORE_UNAVAILABLE, time of the
 *      check that writes the toggle off anyway, beside the same check on a
 *      healthy store.
 */

function stats(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const f = (n: number) => n.toFixed(1);
  return `median ${f(at(0.5))} ms, p90 ${f(at(0.9))} ms, max ${f(sorted.at(-1) ?? Number.NaN)} ms (n=${sorted.length})`;
}

function rolloutYaml(name: string, every: string): string {
  return `name: ${name}
toggle: { provider: flipper, feature: ${name.replace(/-/g, '_')}_enabled, gate: percentage_of_actors, onRollback: zero }
start: immediately
check: { every: ${every}, timezone: UTC }
stages:
  - { name: canary, percent: 5, minDuration: 10m }
  - { name: full, percent: 100, minDuration: 1s }
metrics:
  requests:
    datadog: { query: "sum:${name}.requests{*}.as_count()", aggregator: sum }
    window: 10s
  error_rate:
    datadog: { numerator: "sum:${name}.errors{*}.as_count()", denominator: "sum:${name}.requests{*}.as_count()" }
    window: 10s
criteria:
  advance: ["error_rate < 5%"]
  rollback: ["error_rate > 20%"]
policy: { noData: hold, maxConsecutiveErrors: 3, confidence: 0.95 }
`;
}

async function abortOnce(i: number): Promise<number> {
  const held: ServerResponse[] = [];
  const hung = createServer((_req, res) => void held.push(res));
  await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
  const flipper = await startFlipperSandbox({});
  const dir = await mkdtemp(join(tmpdir(), 'stagegate-bench-abort-'));
  const name = `bench-abort-${i}`;
  // rollouts write only features that exist
  flipper.setFeature(`${name.replace(/-/g, '_')}_enabled`, { percentageOfActors: 0 });
  try {
    await mkdir(join(dir, 'rollouts'));
    await writeFile(join(dir, 'rollouts', `${name}.yaml`), rolloutYaml(name, '1s'));
    const port = (hung.address() as AddressInfo).port;
    await writeFile(
      join(dir, 'stagegate.yaml'),
      `rolloutsDir: ${join(dir, 'rollouts')}
state: { type: file, dir: ${join(dir, 'state')} }
metrics:
  datadog: { type: datadog, baseUrl: "http://127.0.0.1:${port}", timeoutMs: 60000, maxRetries: 0 }
toggles:
  flipper: { type: flipper, baseUrl: "${flipper.url}", timeoutMs: 2000, maxRetries: 0 }
server: { enabled: false }
`,
    );
    const env = {
      ...process.env,
      DD_API_KEY: 'bench-dd-api-key-0123456789',
      DD_APP_KEY: 'bench-dd-app-key-0123456789',
    };
    const config = await loadConfig(join(dir, 'stagegate.yaml'), env);
    const controller = createController({
      wiring: createWiring(config, { env, logger: silentLogger() }),
      logger: silentLogger(),
      pollMs: 100,
    });
    await controller.start();
    const deadline = Date.now() + 20_000;
    while (held.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (held.length === 0) throw new Error('the check never reached the hung Datadog');
    const started = performance.now();
    const result = await controller.command(name, 'abort', { by: 'bench', reason: null });
    const ms = performance.now() - started;
    if (result.summary.state !== 'rolled_back') throw new Error(`abort ended ${result.summary.state}`);
    await controller.stop();
    return ms;
  } finally {
    for (const res of held) res.destroy();
    await new Promise((r) => hung.close(r));
    await flipper.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** a memory store whose saves fail once `failing` is set */
function failingSaves(inner: MemoryStateStore, state: { failing: boolean }): MemoryStateStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'save') {
        return async (rec: RolloutRecord, v: number, opts?: SaveOptions) => {
          if (state.failing)
            throw new StagegateError('E_STORE_UNAVAILABLE', 'cannot write: ENOSPC (disk full)', {
              errno: 'ENOSPC',
            });
          return target.save(rec, v, opts);
        };
      }
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function rollbackCheck(i: number, saveFails: boolean): Promise<number> {
  const rollout = parseRolloutText(rolloutYaml(`bench-save-${i}`, '1m'), `rollouts/bench-save-${i}.yaml`);
  let errors = 1;
  const metrics: MetricsProvider = {
    name: 'bench',
    query: async () => ({ kind: 'value', value: 0 }),
    queryMany: async (reqs: readonly MetricRequest[]): Promise<Measurement[]> =>
      reqs.map((r) =>
        r.id === 'error_rate'
          ? { kind: 'ratio', value: errors / 100, numerator: errors * 600, denominator: 60_000 }
          : { kind: 'value', value: 60_000 },
      ),
  };
  const state = { failing: false };
  const toggles = new MemoryToggleProvider({ features: [rollout.toggle.feature] });
  let clock = Date.UTC(2026, 0, 5, 12);
  const runner = createRunner({
    store: failingSaves(new MemoryStateStore(), state),
    metricsFor: () => metrics,
    toggleFor: () => toggles,
    openSession: openEngineSession,
    notify: () => undefined,
    logger: silentLogger(),
    now: () => clock,
  });
  await runner.check(rollout);
  errors = 60;
  clock += 60_000;
  state.failing = saveFails;
  const started = performance.now();
  await runner.check(rollout);
  const ms = performance.now() - started;
  if ((await toggles.read(rollout.toggle.feature)).percentageOfActors !== 0)
    throw new Error('toggle still on');
  return ms;
}

export interface FaultLatencyOptions {
  /** controllers started to abort behind a hung query (default 5) */
  readonly aborts?: number;
  /** breaching checks on each store, healthy and failing (default 200) */
  readonly checks?: number;
  readonly write?: (text: string) => void;
}

export async function run(opts: FaultLatencyOptions = {}): Promise<string> {
  const aborts: number[] = [];
  for (let i = 0; i < (opts.aborts ?? 5); i++) aborts.push(await abortOnce(i));
  const healthy: number[] = [];
  const failing: number[] = [];
  for (let i = 0; i < (opts.checks ?? 200); i++) {
    healthy.push(await rollbackCheck(i, false));
    failing.push(await rollbackCheck(i, true));
  }
  const out = [
    '| fault | measured | latency |',
    '| --- | --- | --- |',
    `| Datadog query hung (never answers, 60 s timeout) | API/controller abort → answered, toggle off | ${stats(aborts)} |`,
    `| none (baseline) | breaching check → toggle off (memory store, memory toggle) | ${stats(healthy)} |`,
    `| record save fails (E_STORE_UNAVAILABLE) | breaching check → toggle off anyway | ${stats(failing)} |`,
  ].join('\n');
  (opts.write ?? ((t: string) => process.stdout.write(t)))(`${out}\n`);
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
