import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { createController, type Controller } from '../../src/controller/controller.js';
import type { Wiring } from '../../src/controller/wiring.js';
import { silentLogger } from '../../src/log.js';
import { healthy } from '../providers/metrics/healthy.js';
import type { RolloutEvent } from '../../src/ports/notifier.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { rolloutYaml } from './rollout-yaml.js';

/*
 * The controller over a memory store, a memory toggle and healthy metrics:
 * what a pass checks and reports, that commands go through it, and what
 * readiness says across start and stop. Time is a fake clock.
 */

const T0 = Date.parse('2025-06-17T13:00:00Z');
const FEATURE = 'r1_enabled';

let dir: string;
let store: MemoryStateStore;
let toggles: MemoryToggleProvider;
let notices: RolloutEvent[];
let drained: number;
let controller: Controller | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-controller-'));
  await mkdir(join(dir, 'rollouts'));
  await writeFile(join(dir, 'rollouts', 'r1.yaml'), rolloutYaml({ name: 'r1', toggleProvider: 'mem' }));
  store = new MemoryStateStore();
  toggles = new MemoryToggleProvider({ features: [FEATURE] });
  notices = [];
  drained = 0;
});
afterEach(async () => {
  await controller?.stop();
  controller = undefined;
  await rm(dir, { recursive: true, force: true });
});

function make(): Controller {
  const config = configSchema.parse({
    rolloutsDir: join(dir, 'rollouts'),
    state: { type: 'memory' },
    metrics: { datadog: { type: 'datadog' } },
    toggles: { mem: { type: 'file', path: join(dir, 'toggles.json') } },
  });
  const wiring: Wiring = {
    config,
    store,
    stateDir: undefined,
    metrics: new Map(),
    toggles: new Map(),
    metricsFor: () => healthy,
    toggleFor: () => toggles,
    notify: (_names, event) => notices.push(event),
    drain: async () => {
      drained++;
    },
  };
  controller = createController({
    wiring,
    logger: silentLogger(),
    now: () => T0,
    pollMs: 50,
    spoolBase: dir,
  });
  return controller;
}

describe('runOnce', () => {
  it('checks every loaded rollout once, raises the toggle to the first stage and reports it', async () => {
    const report = await make().runOnce();
    expect(report).toMatchObject({ rollouts: 1, checked: 1, finished: 0, failed: [], problems: 0 });
    expect(report.pendingRollbacks).toEqual([]);
    const saved = await store.load('r1');
    expect(saved?.summary).toMatchObject({ state: 'running', stage: 'canary', percent: 5 });
    expect(saved?.intent).toBeNull();
    expect((await toggles.read(FEATURE)).percentageOfActors).toBe(5);
    // notifications in flight are waited for before the pass returns
    expect(drained).toBe(1);
    expect(controller?.rollouts().map((r) => r.name)).toEqual(['r1']);
  });

  it('a broken rollout file is a problem of the pass, the others are still checked', async () => {
    await writeFile(join(dir, 'rollouts', 'broken.yaml'), 'name: broken\ntoggle: [');
    const report = await make().runOnce();
    expect(report.problems).toBe(1);
    expect(report.checked).toBe(1);
    expect(controller?.rollout('broken')).toBeUndefined();
    expect((await store.load('r1'))?.summary.percent).toBe(5);
  });

  it('a rollout already rolled back counts as finished, not as checked', async () => {
    const c = make();
    await c.runOnce();
    await c.command('r1', 'abort', { by: 'oncall', reason: 'spike' });
    const again = await make().runOnce();
    expect(again).toMatchObject({ rollouts: 1, checked: 0, finished: 1, failed: [] });
  });
});

describe('command', () => {
  it('an abort turns the toggle off and is recorded; a second one is refused', async () => {
    const c = make();
    await c.runOnce();
    const first = await c.command('r1', 'abort', { by: 'oncall', reason: 'spike' });
    expect(first.accepted).toBe(true);
    expect(first.summary.state).toBe('rolled_back');
    expect((await toggles.read(FEATURE)).percentageOfActors).toBe(0);
    const history = (await store.history('r1')).map((e) => e.type);
    expect(history.indexOf('command')).toBeLessThan(history.lastIndexOf('toggle-result'));
    const second = await c.command('r1', 'abort', { by: 'oncall', reason: null });
    expect(second.accepted).toBe(false);
  });
});

describe('start, ready and stop', () => {
  it('is not ready before start, checks everything at start, and is not ready once stopping', async () => {
    // an hourly schedule: a check seen within the test is the one made at start, never a tick
    await writeFile(
      join(dir, 'rollouts', 'r1.yaml'),
      rolloutYaml({ name: 'r1', toggleProvider: 'mem', every: '1h' }),
    );
    const c = make();
    expect(await c.ready()).toEqual({ ready: false, reason: 'starting' });
    await c.start();
    expect(await c.ready()).toEqual({ ready: true, reason: null });
    // the first pass runs at start, not at the first tick
    for (let i = 0; i < 100 && (await store.load('r1')) === undefined; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect((await store.load('r1'))?.summary.percent).toBe(5);
    await c.stop();
    expect(await c.ready()).toEqual({ ready: false, reason: 'stopping' });
    expect(drained).toBe(1);
  });

  it('names the store when it cannot be listed', async () => {
    const c = make();
    await c.start();
    store.list = () => Promise.reject(new Error('store down'));
    expect(await c.ready()).toEqual({ ready: false, reason: 'state store: store down' });
  });
});
