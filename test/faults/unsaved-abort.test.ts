import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/loader.js';
import { createController, type Controller } from '../../src/controller/controller.js';
import { createWiring } from '../../src/controller/wiring.js';
import { silentLogger } from '../../src/log.js';
import { startFlipperSandbox, type FlipperSandbox } from '../../src/sandbox/flipper-server.js';
import { rolloutYaml } from '../controller/rollout-yaml.js';
import { createWorkspace, runCli, waitFor, type Workspace } from '../e2e/harness.js';

/*
 * Issue 11 item 1 on a real full disk (a 1 MiB tmpfs as the state dir): an
 * operator abort whose record cannot be saved.
 *   - through a running controller (the API's path): the toggle is off, the
 *     abort is kept and its save retried until it lands; the checks meanwhile
 *     never call the 0% drift, and readiness says the store is failing;
 *   - through the CLI with no controller: the save is retried for one check
 *     interval, then one `stagegate:` line says the toggle IS off and the
 *     record is not, exit 3; a controller started later records the abort
 *     (who, why) instead of pausing for drift.
 */

const FEATURE = 'full_disk_enabled';
const NAME = 'full-disk';
const stages = [
  { name: 'canary', percent: 5, minDuration: '10m' },
  { name: 'full', percent: 100, minDuration: '1s' },
];

let flipper: FlipperSandbox;
let ws: Workspace;
let spool: string;
let controller: Controller | undefined;

beforeEach(async () => {
  flipper = await startFlipperSandbox({});
  flipper.setFeature(FEATURE, { percentageOfActors: 0 });
  // no Datadog: the canary write needs no metrics, and checks after it only have to keep their hands off
  ws = await createWorkspace({
    datadogUrl: 'http://127.0.0.1:9',
    flipperUrl: flipper.url,
    rollouts: { [NAME]: rolloutYaml({ name: NAME, feature: FEATURE, stages, every: '2s' }) },
  });
  await mkdir(ws.stateDir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', ws.stateDir]);
  spool = join(ws.dir, 'spool');
});
afterEach(async () => {
  await controller?.stop();
  controller = undefined;
  execFileSync('umount', ['-l', ws.stateDir]);
  await flipper.close();
  await ws.cleanup();
});

function flipperPercent(): number {
  const gate = flipper.feature(FEATURE)?.gates.find((g) => g.key === 'percentage_of_actors');
  return typeof gate?.value === 'string' ? Number(gate.value) : 0;
}

const fill = (): Promise<void> =>
  writeFile(join(ws.stateDir, 'ballast'), Buffer.alloc(2 * 1024 * 1024)).catch(() => undefined);

async function startController(): Promise<Controller> {
  const config = await loadConfig(ws.configPath, ws.env);
  const wiring = createWiring(config, { env: ws.env, logger: silentLogger() });
  controller = createController({ wiring, logger: silentLogger(), pollMs: 100, spoolBase: spool });
  await controller.start();
  return controller;
}

describe('an abort through a running controller, with the state disk full', () => {
  it('the toggle is off, the abort is kept and saved once the disk has room; no drift pause', async () => {
    const c = await startController();
    await waitFor(
      async () => (await ws.record(NAME))?.summary.percent === 5 && flipperPercent() === 5,
      20_000,
    );
    await fill();
    await expect(c.command(NAME, 'abort', { by: 'oncall', reason: 'bad deploy' })).rejects.toMatchObject({
      code: 'E_STORE_UNAVAILABLE',
      message: expect.stringMatching(/the save is retried until it lands/),
    });
    expect(flipperPercent()).toBe(0);
    expect(await c.ready()).toMatchObject({
      ready: false,
      reason: expect.stringMatching(/^state store failing: unsaved state of full-disk/),
    });
    // checks come every 2 s meanwhile: none of them pauses the 0% as drift (the record is untouched)
    await new Promise((r) => setTimeout(r, 2_500));
    expect((await ws.record(NAME))?.summary).toMatchObject({ state: 'running', percent: 5 });

    await rm(join(ws.stateDir, 'ballast'));
    await waitFor(async () => (await ws.record(NAME))?.summary.state === 'rolled_back', 20_000);
    expect(await c.ready()).toMatchObject({ ready: true });
    const history = await ws.history(NAME);
    expect(history.filter((e) => e.type === 'command').at(-1)).toMatchObject({
      command: 'abort',
      by: 'oncall',
    });
    expect(history.some((e) => e.type === 'transition' && e.to === 'paused')).toBe(false);
    expect(flipperPercent()).toBe(0);
  }, 60_000);
});

describe('`stagegate abort` with no controller, with the state disk full', () => {
  it('retries for one interval, exits 3 with one line; a controller started later records the abort', async () => {
    const once = await runCli(ws, ['run', '--once']);
    expect(once.code, once.stderr).toBe(0);
    expect(flipperPercent()).toBe(5);
    await fill();
    const env = { ...ws.env, TMPDIR: spool };
    await mkdir(spool);
    const aborted = await runCli({ ...ws, env }, ['abort', NAME, '--by', 'oncall', '--reason', 'bad deploy']);
    expect(aborted.code, aborted.stderr).toBe(3);
    const lines = aborted.stderr.split('\n').filter((l) => l.startsWith('stagegate:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /the toggle full_disk_enabled IS off; the record is not saved .* after retrying for 2s/,
    );
    expect(flipperPercent()).toBe(0);
    expect((await ws.record(NAME))?.summary).toMatchObject({ state: 'running', percent: 5 });

    // the disk has room again; a controller on this host records the abort the CLI could not
    await rm(join(ws.stateDir, 'ballast'));
    const c = await startController();
    await waitFor(async () => (await ws.record(NAME))?.summary.state === 'rolled_back', 20_000);
    void c;
    const history = await ws.history(NAME);
    expect(history.filter((e) => e.type === 'command').at(-1)).toMatchObject({
      command: 'abort',
      by: 'oncall',
      reason: 'bad deploy',
    });
    expect(history.some((e) => e.type === 'transition' && e.to === 'paused')).toBe(false);
  }, 60_000);
});
