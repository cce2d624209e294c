import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatConfidence, formatInterval } from '../../../src/engine/format.js';
import { judgeCriterion } from '../../../src/engine/judge.js';
import { parseCriterion } from '../../../src/rollout/criteria.js';
import type { MetricsProvider } from '../../../src/ports/metrics-provider.js';
import { MemoryToggleProvider } from '../../../src/providers/toggles/memory.js';
import { loadRolloutFile } from '../../../src/rollout/loader.js';
import { simulateRollout } from '../../../src/runtime/simulate-run.js';
import { startDatadogSandbox, type DatadogSandbox } from '../../../src/sandbox/datadog-server.js';
import { startFlipperSandbox } from '../../../src/sandbox/flipper-server.js';
import { eventsKey } from '../../../src/sandbox/scenario.js';
import { createStateStore } from '../../../src/store/factory.js';

/*
 * `stagegate query` spawned from dist/ (build first: npx tsc -p .config/tsconfig.build.json)
 * against the Datadog sandbox.
 */

const CLI = resolve(import.meta.dirname, '../../../dist/cli/main.js');
const DD_API_KEY = 'query-test-api-key-0123456789';
const DD_APP_KEY = 'query-test-app-key-9876543210';

const SENT = 'sum:ebg.email.sent{env:prod}.as_count()';
const FAILED = 'sum:ebg.email.failed{env:prod}.as_count()';
const CALLS = 'sum:va.contact_center.calls{topic:ebg}.as_count()';
const VIEWS = '@type:view @view.url_path:/my-benefits';
const ERRORS = 'service:vets-api status:error';

const ROLLOUT = `
name: query-demo
toggle: { provider: local, feature: query_demo }
check: { every: 5m }
stages:
  - { name: canary, percent: 2, minDuration: 4h }
  - { name: everyone, percent: 100 }
samples: sent
metrics:
  sent:
    datadog: { query: "${SENT}", aggregator: sum }
    window: 15m
  error_rate:
    datadog:
      numerator: "${FAILED}"
      denominator: "${SENT}"
    window: 15m
  calls:
    datadog: { query: "${CALLS}", aggregator: sum }
    window: stage
  users:
    datadog: { rum: { search: "${VIEWS}", aggregation: cardinality, facet: "@usr.id" } }
    window: 1h
  error_logs:
    datadog: { logs: { search: "${ERRORS}" } }
    window: 15m
criteria:
  advance:
    - error_rate < 5%
    - users > 10
  rollback:
    - error_rate > 10%
    - calls >= 2
`;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [CLI, ...args], {
      env: { ...process.env, DD_API_KEY, DD_APP_KEY, ...env },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let dir: string;
let sandbox: DatadogSandbox;
let rolloutPath: string;

async function writeConfig(
  name: string,
  baseUrl: string,
  stateDir = join(dir, `state-${name}`),
): Promise<string> {
  const path = join(dir, `${name}.yaml`);
  await writeFile(
    path,
    `state: { type: file, dir: "${stateDir}" }
metrics:
  datadog: { type: datadog, baseUrl: "${baseUrl}", timeoutMs: 2000, maxRetries: 0 }
log: { level: warn }
`,
  );
  return path;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-query-'));
  rolloutPath = join(dir, 'query-demo.yaml');
  await writeFile(rolloutPath, ROLLOUT);
  // rates × 900 s windows give whole counts: 1800 sent, 36 failed
  sandbox = await startDatadogSandbox({
    series: {
      [SENT]: { perSecond: 2 },
      [FAILED]: { perSecond: 0.04 },
      [CALLS]: null,
      [eventsKey('rum', VIEWS, 'cardinality', '@usr.id')]: { perSecond: 0.01 },
      [eventsKey('logs', ERRORS)]: { perSecond: 0.1 },
    },
  });
});

afterAll(async () => {
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

describe('stagegate query', () => {
  it('prints a table of every metric with its window, value and verdicts, exit 0', async () => {
    const config = await writeConfig('table', sandbox.url);
    const before = sandbox.requestCount;
    const run = await cli(['--config', config, 'query', rolloutPath]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    // the intervals are the engine's (Wilson for advance, exact for rollback): recompute them the same way
    const interval = (text: string, kind: 'advance' | 'rollback') => {
      const r = judgeCriterion(
        parseCriterion(text),
        kind,
        { kind: 'ratio', value: 0.02, numerator: 36, denominator: 1800 },
        { confidence: 0.95 },
      );
      return `${formatInterval(r.interval ?? [0, 0], true)} @${formatConfidence(r.confidence ?? 0)}`;
    };
    expect(lines[0]).toMatch(/^query-demo: stage canary at 0% \(no state yet\), measured \d{4}-\d\d-\d\dT/);
    expect(lines.slice(2).map((l) => l.split(/\s{2,}/))).toEqual([
      ['METRIC', 'WINDOW', 'VALUE', 'CRITERION', 'VERDICT', 'INTERVAL'],
      ['sent (samples)', '15m', '1800', '-'],
      [
        'error_rate',
        '15m',
        '2% (36/1800)',
        'error_rate < 5%',
        'pass',
        interval('error_rate < 5%', 'advance'),
      ],
      ['', 'error_rate > 10%', 'ok', interval('error_rate > 10%', 'rollback')],
      ['calls', 'stage (no state: last 5m)', 'no data: no data in the window', 'calls >= 2', 'no-data'],
      ['users', '1h', '36', 'users > 10', 'pass'],
      ['error_logs', '15m', '90', '-'],
      [''],
      // the toggle is read too; this config names no toggle provider, which the line says
      [
        'toggle: query-demo: local query_demo: cannot read: E_CONFIG_INVALID: toggles.local is not configured',
      ],
      [''],
    ]);
    // value + ratio share a window: one scalar request for both; calls (another window) one more; two events
    expect(sandbox.requestCount - before).toBe(4);
  });

  it('--json prints measurements, windows and criterion results', async () => {
    const config = await writeConfig('json', sandbox.url);
    const run = await cli(['--config', config, 'query', rolloutPath, '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      rollout: string;
      stage: unknown;
      metrics: Array<{
        name: string;
        samples: boolean;
        window: { spec: string; from: string; to: string };
        measurement: unknown;
        criteria: Array<{ criterion: string; kind: string; verdict: string }>;
      }>;
    };
    expect(out.rollout).toBe('query-demo');
    expect(out.stage).toEqual({ name: 'canary', percent: 0, since: null });
    expect(out.metrics.map((m) => [m.name, m.samples, m.window.spec, m.measurement])).toEqual([
      ['sent', true, '15m', { kind: 'value', value: 1800 }],
      ['error_rate', false, '15m', { kind: 'ratio', value: 0.02, numerator: 36, denominator: 1800 }],
      ['calls', false, 'stage', { kind: 'no-data', reason: 'no data in the window' }],
      ['users', false, '1h', { kind: 'value', value: 36 }],
      ['error_logs', false, '15m', { kind: 'value', value: 90 }],
    ]);
    const sent = out.metrics[0] as (typeof out.metrics)[number];
    expect(Date.parse(sent.window.to) - Date.parse(sent.window.from)).toBe(900_000);
    expect(out.metrics[1]?.criteria.map((c) => [c.criterion, c.kind, c.verdict])).toEqual([
      ['error_rate < 5%', 'advance', 'pass'],
      ['error_rate > 10%', 'rollback', 'ok'],
    ]);
  });

  it('reads the stage window from the engine state the runtime wrote', async () => {
    const stateDir = join(dir, 'state-with-record');
    const store = createStateStore({ type: 'file', dir: stateDir });
    const from = Date.now() - 2 * 3_600_000;
    // one real check (no data: the rollout starts at its canary and holds there)
    const noData: MetricsProvider = {
      name: 'none',
      query: () => Promise.resolve({ kind: 'no-data', reason: 'test' }),
      queryMany: (requests) => Promise.resolve(requests.map(() => ({ kind: 'no-data', reason: 'test' }))),
    };
    const rollout = await loadRolloutFile(rolloutPath);
    await simulateRollout({
      rollout,
      metrics: noData,
      store,
      toggles: new MemoryToggleProvider({ features: [rollout.toggle.feature] }),
      from,
      until: from + 1,
      maxChecks: 1,
    });
    const entered = (await store.history('query-demo')).find(
      (e) => e.type === 'stage' && e.event === 'entered',
    );
    expect(entered).toMatchObject({ stage: 'canary', percent: 2 });
    const config = await writeConfig('stateful', sandbox.url, stateDir);
    const run = await cli(['--config', config, 'query', rolloutPath, '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      stage: unknown;
      metrics: Array<{ name: string; window: { label: string; from: string } }>;
    };
    const since = new Date(entered?.at ?? 0).toISOString();
    expect(out.stage).toEqual({ name: 'canary', percent: 2, since });
    const calls = out.metrics.find((m) => m.name === 'calls');
    expect(calls?.window.from).toBe(since);
    expect(calls?.window.label).toBe('stage (2h)');
  });

  it('exits 3 with the reason when Datadog cannot be reached', async () => {
    const closed = await startDatadogSandbox();
    const url = closed.url;
    await closed.close();
    const config = await writeConfig('down', url);
    const run = await cli(['--config', config, 'query', rolloutPath]);
    expect(run.code).toBe(3);
    // provider warnings stay off stderr: the table already shows every failure
    expect(run.stderr).toBe('stagegate: Datadog cannot be reached: cannot reach Datadog: ECONNREFUSED\n');
    expect(run.stdout).toContain('error E_PROVIDER_UNREACHABLE: cannot reach Datadog: ECONNREFUSED');
  });

  it('exits 3 naming the application key when Datadog refuses it, and never prints a key', async () => {
    const strict = await startDatadogSandbox({ keys: { apiKey: DD_API_KEY, appKey: 'the-right-app-key' } });
    try {
      const config = await writeConfig('auth', strict.url);
      const run = await cli(['--config', config, 'query', rolloutPath]);
      expect(run.code).toBe(3);
      expect(run.stderr).toContain(
        'stagegate: Datadog cannot be reached: Datadog accepted the API key but refused the application key (HTTP 403)',
      );
      for (const text of [run.stdout, run.stderr]) {
        expect(text).not.toContain(DD_API_KEY);
        expect(text).not.toContain(DD_APP_KEY);
      }
    } finally {
      await strict.close();
    }
  });

  it('a missing DD_APP_KEY is a configuration error naming the variable (exit 1)', async () => {
    const config = await writeConfig('nokey', sandbox.url);
    const run = await cli(['--config', config, 'query', rolloutPath], { DD_APP_KEY: '' });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      'stagegate: DD_APP_KEY is not set: metrics provider "datadog" needs an application key in the environment',
    );
  });
});

describe('query shows the toggle', () => {
  const TOKEN = 'query-toggle-token-0123456789';
  let flipper: Awaited<ReturnType<typeof startFlipperSandbox>>;
  let toggleDir: string;

  beforeAll(async () => {
    toggleDir = await mkdtemp(join(tmpdir(), 'stagegate-query-toggle-'));
    flipper = await startFlipperSandbox({ token: TOKEN, features: ['event_bus_gateway_emails_enabled'] });
    await writeFile(
      join(toggleDir, 'stagegate.yaml'),
      `state: { type: file, dir: "${join(toggleDir, 'state')}" }
metrics: { datadog: { type: datadog, baseUrl: "http://127.0.0.1:9", maxRetries: 0 } }
toggles:
  flipper: { type: flipper, baseUrl: "${flipper.url}", tokenEnv: FLIPPER_TEST_TOKEN, maxRetries: 0 }
`,
    );
    await writeFile(
      join(toggleDir, 'ebg.yaml'),
      `name: ebg
toggle: { provider: flipper, feature: event_bus_gateway_emails_enabled }
check: { every: 5m }
stages: [{ name: canary, percent: 2 }, { name: all, percent: 100 }]
`,
    );
  });
  afterAll(async () => {
    await flipper.close();
    await rm(toggleDir, { recursive: true, force: true });
  });

  it('prints the toggle line after the metrics: exists? exposure?', async () => {
    flipper.setFeature('event_bus_gateway_emails_enabled', { percentageOfActors: 2, percentageOfTime: 0 });
    flipper.clearRequests();
    const r = await cli(
      ['--config', join(toggleDir, 'stagegate.yaml'), 'query', join(toggleDir, 'ebg.yaml')],
      { FLIPPER_TEST_TOKEN: TOKEN },
    );
    expect(r.stdout).toContain(
      'toggle: ebg: flipper event_bus_gateway_emails_enabled: exists, 2% of actors (2% of checks with an actor, 0% without)',
    );
    expect(flipper.requests.map((q) => q.method)).toEqual(['GET']);
  });
});
