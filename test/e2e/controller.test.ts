import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDatadogSandbox, type DatadogSandbox } from '../../src/sandbox/datadog-server.js';
import { startFlipperSandbox, type FlipperSandbox } from '../../src/sandbox/flipper-server.js';
import { queriesFor, rolloutYaml } from '../controller/rollout-yaml.js';
import {
  checks,
  ControllerProcess,
  createWorkspace,
  DD_API_KEY,
  DD_APP_KEY,
  runCli,
  waitFor,
  type Workspace,
  freePort,
} from './harness.js';

/*
 * The CLI spawned against the sandbox servers over real loopback HTTP: the
 * real Datadog client, the real Flipper provider, the file store. Every
 * rollout has its own queries and feature, so tests never share a series.
 */

const FLIPPER_TOKEN = 'e2e-flipper-token-5f4dcc3b5aa765d61d8327deb882cf99';
let dd: DatadogSandbox;
let flipper: FlipperSandbox;
let ws: Workspace | undefined;
let controller: ControllerProcess | undefined;

beforeAll(async () => {
  dd = await startDatadogSandbox();
  flipper = await startFlipperSandbox({ token: FLIPPER_TOKEN });
});
afterAll(async () => {
  await Promise.all([dd?.close(), flipper?.close()]);
});
afterEach(async () => {
  if (controller) {
    await controller.stop('SIGKILL');
    // no test may leak a secret into the output, whatever it did
    for (const secret of [DD_API_KEY, DD_APP_KEY, FLIPPER_TOKEN]) {
      expect(controller.stdout + controller.stderr).not.toContain(secret);
    }
  }
  controller = undefined;
  dd.clearFaults();
  await ws?.cleanup();
  ws = undefined;
});

async function workspace(rollouts: Record<string, string>, logLevel = 'info'): Promise<Workspace> {
  ws = await createWorkspace({ datadogUrl: dd.url, flipperUrl: flipper.url, flipper, rollouts, logLevel });
  // the Flipper token comes from the environment, like in production
  const { writeFile, readFile } = await import('node:fs/promises');
  const config = await readFile(ws.configPath, 'utf8');
  await writeFile(
    ws.configPath,
    config.replace('maxRetries: 0 }\nserver', 'maxRetries: 0, tokenEnv: E2E_FLIPPER_TOKEN }\nserver'),
  );
  ws.env.E2E_FLIPPER_TOKEN = FLIPPER_TOKEN;
  return ws;
}

function feature(name: string): string {
  return `${name.replace(/-/g, '_')}_enabled`;
}

function flipperPercent(name: string): number {
  const gate = flipper.feature(feature(name))?.gates.find((g) => g.key === 'percentage_of_actors');
  return typeof gate?.value === 'string' ? Number(gate.value) : 0;
}

/** healthy traffic: 100 requests/s, 1% errors */
function healthy(name: string, errorsPerSecond = 1): void {
  const q = queriesFor(name);
  dd.setSeries(q.requests, { perSecond: 100 });
  dd.setSeries(q.errors, { perSecond: errorsPerSecond });
}

async function state(name: string): Promise<string | undefined> {
  return (await ws?.record(name))?.summary.state;
}

describe('stagegate run (end to end)', () => {
  it('takes a healthy rollout through every stage to completed', async () => {
    healthy('e2e-healthy');
    const w = await workspace({ 'e2e-healthy': rolloutYaml({ name: 'e2e-healthy' }) }, 'debug');
    controller = new ControllerProcess(w);
    await waitFor(
      async () => (await state('e2e-healthy')) === 'completed',
      30_000,
      () => controller?.stderr.slice(-2000) ?? '',
    );
    expect(flipperPercent('e2e-healthy')).toBe(100);
    const history = await w.history('e2e-healthy');
    const written = history.flatMap((e) => (e.type === 'toggle-result' && e.ok ? [e.percent] : []));
    expect(written).toEqual([5, 50, 100]);
    const transitions = history.flatMap((e) => (e.type === 'transition' ? [`${e.from}>${e.to}`] : []));
    expect(transitions.at(-1)).toBe('running>completed');
    // one log line per check, carrying the measurements and the decision
    const checkLines = controller.logs().filter((l) => l.msg === 'check' && l.rollout === 'e2e-healthy');
    expect(checkLines.length).toBeGreaterThanOrEqual(checks(history).length - 1);
    const measured = checkLines.find(
      (l) =>
        l.decision === 'advance' &&
        typeof l.metrics === 'object' &&
        l.metrics !== null &&
        'error_rate' in l.metrics,
    );
    expect(measured?.metrics).toMatchObject({
      error_rate: { vs: expect.arrayContaining(['error_rate < 5% → pass', 'error_rate > 20% → ok']) },
    });
    expect(measured).toHaveProperty('metrics.error_rate.counts');
    expect(measured).toHaveProperty('metrics.error_rate.interval');
    // debug logging included: still no key, no token (asserted in afterEach)
    const final = await runCli(w, ['status', 'e2e-healthy', '--json']);
    expect(final.code).toBe(0);
    expect(JSON.parse(final.stdout)).toMatchObject([
      { name: 'e2e-healthy', state: 'completed', stage: 'full', percent: 100, reason: null },
    ]);
  }, 60_000);

  it('rolls back on the first check that sees a breach, and only after `for N checks` when sustained', async () => {
    const stages = [
      { name: 'canary', percent: 5, minDuration: '1s' },
      { name: 'half', percent: 50, minDuration: '10m' },
      { name: 'full', percent: 100, minDuration: '1s' },
    ];
    healthy('e2e-breach-now');
    healthy('e2e-breach-sustained');
    const w = await workspace({
      'e2e-breach-now': rolloutYaml({
        name: 'e2e-breach-now',
        stages,
        window: '2s',
        rollback: ['error_rate > 20%'],
      }),
      'e2e-breach-sustained': rolloutYaml({
        name: 'e2e-breach-sustained',
        stages,
        window: '2s',
        rollback: ['error_rate > 20% for 3 checks'],
      }),
    });
    controller = new ControllerProcess(w);
    await waitFor(
      () => flipperPercent('e2e-breach-now') === 50 && flipperPercent('e2e-breach-sustained') === 50,
      20_000,
    );
    // from now on half of all requests fail
    healthy('e2e-breach-now', 50);
    healthy('e2e-breach-sustained', 50);
    await waitFor(
      async () =>
        (await state('e2e-breach-now')) === 'rolled_back' &&
        (await state('e2e-breach-sustained')) === 'rolled_back',
      20_000,
    );
    expect(flipperPercent('e2e-breach-now')).toBe(0);
    expect(flipperPercent('e2e-breach-sustained')).toBe(0);

    for (const [name, needed] of [
      ['e2e-breach-now', 1],
      ['e2e-breach-sustained', 3],
    ] as const) {
      const cs = checks(await w.history(name));
      const verdicts = cs.map((c) => {
        const results = c.detail.results;
        return results.find((r) => r.kind === 'rollback')?.verdict;
      });
      const decisions = cs.map((c) => (c.detail.decision as { action: string } | null)?.action);
      const firstBreach = verdicts.indexOf('breach');
      const rollbackAt = decisions.indexOf('rollback');
      expect(firstBreach).toBeGreaterThan(0);
      // the N-th consecutive breaching check rolls back: not earlier, not later
      expect(rollbackAt - firstBreach).toBe(needed - 1);
      expect(verdicts.slice(firstBreach, rollbackAt + 1).every((v) => v === 'breach')).toBe(true);
    }
    const rollbackLine = controller.logs().find((l) => l.msg === 'check' && l.decision === 'rollback');
    expect(rollbackLine?.level).toBe(50);
  }, 60_000);

  it('holds without data and never advances', async () => {
    const w = await workspace({ 'e2e-nodata': rolloutYaml({ name: 'e2e-nodata' }) });
    controller = new ControllerProcess(w);
    await waitFor(async () => checks(await w.history('e2e-nodata')).length >= 5, 20_000);
    const rec = await w.record('e2e-nodata');
    expect(rec?.summary.state).toBe('running');
    expect(rec?.summary.percent).toBe(5);
    expect(flipperPercent('e2e-nodata')).toBe(5);
    const lines = controller.logs().filter((l) => l.msg === 'check' && l.rollout === 'e2e-nodata');
    const last = lines.at(-1);
    expect(last?.decision).toBe('hold');
    expect(last?.level).toBe(40);
    expect(String(last?.reason)).toMatch(/no data/i);
  }, 40_000);

  it('pauses after maxConsecutiveErrors when Datadog is down, and never advances', async () => {
    healthy('e2e-outage');
    dd.injectFault({ status: 503, endpoint: 'scalar', until: Date.now() + 120_000 });
    const w = await workspace({ 'e2e-outage': rolloutYaml({ name: 'e2e-outage', maxConsecutiveErrors: 3 }) });
    controller = new ControllerProcess(w);
    await waitFor(async () => (await state('e2e-outage')) === 'paused', 20_000);
    const rec = await w.record('e2e-outage');
    expect(rec?.summary.percent).toBe(5);
    expect(String(rec?.summary.reason)).toMatch(/error/i);
    const cs = checks(await w.history('e2e-outage'));
    expect(cs.filter((c) => c.percent > 5)).toEqual([]);
    const warnings = controller
      .logs()
      .filter((l) => l.msg === 'metrics provider error' && l.rollout === 'e2e-outage');
    expect(warnings.length).toBeGreaterThanOrEqual(3);
    // Datadog comes back: a paused rollout stays paused and at 5% until someone resumes it
    dd.clearFaults();
    await new Promise((r) => setTimeout(r, 2_500));
    expect(await state('e2e-outage')).toBe('paused');
    expect(flipperPercent('e2e-outage')).toBe(5);
  }, 40_000);

  it('pauses with drift when someone changes the toggle by hand, and does not fight them', async () => {
    healthy('e2e-drift');
    const stages = [
      { name: 'canary', percent: 5, minDuration: '10m' },
      { name: 'full', percent: 100, minDuration: '1s' },
    ];
    const w = await workspace({ 'e2e-drift': rolloutYaml({ name: 'e2e-drift', stages }) });
    controller = new ControllerProcess(w);
    await waitFor(() => flipperPercent('e2e-drift') === 5, 20_000);
    flipper.setFeature(feature('e2e-drift'), { percentageOfActors: 30 });
    await waitFor(async () => (await state('e2e-drift')) === 'paused', 10_000);
    const rec = await w.record('e2e-drift');
    expect(String(rec?.summary.reason)).toMatch(/drift/);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(flipperPercent('e2e-drift')).toBe(30);
  }, 40_000);

  it('refuses a second controller on the same state dir, naming the holder', async () => {
    healthy('e2e-lock');
    const w = await workspace({ 'e2e-lock': rolloutYaml({ name: 'e2e-lock' }) });
    // with the HTTP server on, the second controller must still be refused for the lock, not the port
    const { readFile, writeFile } = await import('node:fs/promises');
    const port = await freePort();
    const config = await readFile(w.configPath, 'utf8');
    await writeFile(w.configPath, config.replace('server: { enabled: false }', `server: { port: ${port} }`));
    controller = new ControllerProcess(w);
    await controller.waitForLog((l) => l.msg === 'controller started');
    const second = await runCli(w, ['run']);
    expect(second.code).toBe(3);
    expect(second.stderr).toContain(`pid ${controller.child.pid}`);
    const once = await runCli(w, ['run', '--once']);
    expect(once.code).toBe(3);
  }, 30_000);

  it('picks up operator commands from the CLI within a second', async () => {
    healthy('e2e-operator');
    const stages = [
      { name: 'canary', percent: 5, minDuration: '10m' },
      { name: 'full', percent: 100, minDuration: '1s' },
    ];
    const w = await workspace({ 'e2e-operator': rolloutYaml({ name: 'e2e-operator', stages, every: '1m' }) });
    controller = new ControllerProcess(w);
    await waitFor(() => flipperPercent('e2e-operator') === 5, 20_000);

    const refused = await runCli(w, ['resume', 'e2e-operator', '--by', 'oncall-b']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^stagegate: resume refused for e2e-operator: /);

    const abort = await runCli(w, [
      'abort',
      'e2e-operator',
      '--reason',
      'contact center spike',
      '--by',
      'oncall-a',
    ]);
    expect(abort.code).toBe(0);
    expect(abort.stdout).toContain('abort accepted for e2e-operator');
    await waitFor(() => flipperPercent('e2e-operator') === 0, 3_000);
    await waitFor(async () => (await state('e2e-operator')) === 'rolled_back', 3_000);
    const history = await w.history('e2e-operator');
    const commands = history.filter((e) => e.type === 'command');
    expect(commands).toMatchObject([
      { command: 'resume', by: 'oncall-b', accepted: false },
      { command: 'abort', by: 'oncall-a', reason: 'contact center spike', accepted: true },
    ]);
    // the schedule is 1 m: only the 1 s poll applies the rollback this fast (command saved → toggle off answered)
    const abortAt = commands[1]?.at ?? 0;
    const off = history.find((e) => e.type === 'toggle-result' && e.ok && e.percent === 0 && e.at >= abortAt);
    expect(off).toBeDefined();
    // (the poll runs every second; the write itself takes a few ms, more on a loaded test machine)
    expect((off?.at ?? Infinity) - abortAt).toBeLessThan(1_500);
    await controller.waitForLog((l) => l.msg === 'state changed outside the controller, picked up');
  }, 40_000);

  it('reports a broken rollout file with path:line:col and keeps running the others', async () => {
    healthy('e2e-good');
    const broken = rolloutYaml({ name: 'e2e-broken' }).replace('every: 1s', 'evry: 1s');
    const w = await workspace({ 'e2e-good': rolloutYaml({ name: 'e2e-good' }), 'e2e-broken': broken });
    controller = new ControllerProcess(w);
    const problem = await controller.waitForLog((l) => l.msg === 'rollout file invalid, skipped');
    expect(String(problem.problem)).toMatch(new RegExp(`^${w.rolloutsDir}/e2e-broken\\.yaml:\\d+:\\d+: `));
    await waitFor(async () => checks(await w.history('e2e-good')).length >= 2, 15_000);
    // a file broken while running is reported too; the good one keeps being checked
    await w.writeRollout('e2e-late', 'name: e2e-late\nstages: [\n');
    await controller.waitForLog(
      (l) => l.msg === 'rollout file invalid, skipped' && String(l.problem).includes('e2e-late.yaml:'),
    );
    const before = checks(await w.history('e2e-good')).length;
    await waitFor(async () => checks(await w.history('e2e-good')).length > before, 5_000);
    expect(await w.record('e2e-broken')).toBeUndefined();
  }, 40_000);

  it('run --once checks every rollout once and exits 0; SIGTERM stops a running controller cleanly', async () => {
    healthy('e2e-once-a');
    healthy('e2e-once-b');
    const w = await workspace({
      'e2e-once-a': rolloutYaml({ name: 'e2e-once-a' }),
      'e2e-once-b': rolloutYaml({ name: 'e2e-once-b' }),
    });
    const once = await runCli(w, ['run', '--once']);
    expect(once.code).toBe(0);
    for (const name of ['e2e-once-a', 'e2e-once-b']) expect(checks(await w.history(name))).toHaveLength(1);
    expect(once.stderr).toContain('"msg":"pass complete"');

    controller = new ControllerProcess(w);
    await controller.waitForLog((l) => l.msg === 'controller started');
    const exit = await controller.stop('SIGTERM');
    expect(exit.code).toBe(0);
    expect(controller.logs().map((l) => l.msg)).toContain('controller stopped');
    // the lock was released: another controller may start
    const again = await runCli(w, ['run', '--once']);
    expect(again.code).toBe(0);
  }, 40_000);
});
