import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDatadogSandbox, type DatadogSandbox } from '../../src/sandbox/datadog-server.js';
import { startFlipperSandbox, type FlipperSandbox } from '../../src/sandbox/flipper-server.js';
import { readStateLock } from '../../src/store/state-lock.js';
import { queriesFor, rolloutYaml } from '../controller/rollout-yaml.js';
import { createWorkspace, parseLogLines, runCli, type Workspace, freePort } from '../e2e/harness.js';

/*
 * Issue 11 item 2 through the built CLI: `run --once` with a breaching
 * rollout whose rollback write fails (Flipper answering 503, or nothing
 * listening) must not exit 0 in the middle of the pass. It checks the
 * rollout, retries the rollback for one check interval (`every: 2s` here),
 * exits 3 with the rollback still pending in the record, and releases the
 * state lock. Then, with Flipper back, the next `--once` applies it.
 */

let dd: DatadogSandbox;
let flipper: FlipperSandbox;
let ws: Workspace | undefined;

beforeAll(async () => {
  dd = await startDatadogSandbox();
});
afterAll(async () => {
  await dd?.close();
});
// one Flipper per test: a test that makes it fail leaves it failing
beforeEach(async () => {
  flipper = await startFlipperSandbox({});
});
afterEach(async () => {
  await flipper.close();
  await ws?.cleanup();
  ws = undefined;
});

function traffic(name: string, errorsPerSecond: number): void {
  const q = queriesFor(name);
  dd.setSeries(q.requests, { perSecond: 100 });
  dd.setSeries(q.errors, { perSecond: errorsPerSecond });
}

/** a rollout at canary (5%) with the toggle really written, then breaching */
async function breachingAtCanary(name: string): Promise<Workspace> {
  traffic(name, 1);
  // rollouts write only features that exist (toggle.create is false)
  flipper.setFeature(`${name.replace(/-/g, '_')}_enabled`, { percentageOfActors: 0 });
  const stages = [
    { name: 'canary', percent: 5, minDuration: '10m' },
    { name: 'full', percent: 100, minDuration: '1s' },
  ];
  ws = await createWorkspace({
    datadogUrl: dd.url,
    flipperUrl: flipper.url,
    rollouts: { [name]: rolloutYaml({ name, stages, every: '2s' }) },
  });
  const first = await runCli(ws, ['run', '--once']);
  expect(first.code, first.stderr).toBe(0);
  expect((await ws.record(name))?.summary).toMatchObject({ state: 'running', percent: 5 });
  traffic(name, 60);
  return ws;
}

async function expectPendingAndUnlocked(w: Workspace, name: string, stderr: string): Promise<void> {
  const rec = await w.record(name);
  expect(rec?.summary.state).toBe('rolling_back');
  expect(rec?.intent?.action).toBe('disable');
  // the lock is released even though the pass gave up
  expect(await readStateLock(w.stateDir)).toBeUndefined();
  const failedWrites = (await w.history(name)).filter((e) => e.type === 'toggle-result' && !e.ok);
  // the first attempt, then at least one retry inside the window
  expect(failedWrites.length).toBeGreaterThanOrEqual(2);
  const logs = parseLogLines(stderr);
  const names = logs.map((l) => l.msg);
  expect(names).toContain('check');
  expect(names.indexOf('rollback pending after the pass, retrying before exit')).toBeGreaterThan(
    names.indexOf('check'),
  );
  expect(logs.find((l) => l.msg?.startsWith('rollback still pending at exit'))).toMatchObject({
    level: 60,
    rollout: name,
  });
  expect(stderr).toMatch(/stagegate: rollback pending: .*kept failing/);
}

describe('run --once with a rollback that cannot be written', () => {
  it('Flipper answering 503: retries for one interval, exits 3, rollback pending, lock released; applied by the next run', async () => {
    const name = 'once-503';
    const w = await breachingAtCanary(name);
    // more failures than the pass can use up
    flipper.failNext(503, 100_000);
    const res = await runCli(w, ['run', '--once']);
    expect(res.code, res.stderr).toBe(3);
    await expectPendingAndUnlocked(w, name, res.stderr);

    // the sandbox has no "clear failures": a fresh sandbox showing the same toggle is the healed Flipper
    const healed = await startFlipperSandbox({});
    try {
      healed.setFeature(`${name.replace(/-/g, '_')}_enabled`, { percentageOfActors: 5 });
      const config = await readFile(w.configPath, 'utf8');
      await writeFile(w.configPath, config.replace(flipper.url, healed.url));
      const again = await runCli(w, ['run', '--once']);
      expect(again.code, again.stderr).toBe(0);
      expect((await w.record(name))?.summary.state).toBe('rolled_back');
      expect((await w.record(name))?.intent).toBeNull();
    } finally {
      await healed.close();
    }
  }, 60_000);

  it('nothing listening on the Flipper port: the same', async () => {
    const name = 'once-closed';
    const w = await breachingAtCanary(name);
    const config = await readFile(w.configPath, 'utf8');
    await writeFile(w.configPath, config.replace(flipper.url, `http://127.0.0.1:${await freePort()}`));
    const res = await runCli(w, ['run', '--once']);
    expect(res.code, res.stderr).toBe(3);
    await expectPendingAndUnlocked(w, name, res.stderr);
  }, 60_000);
});
