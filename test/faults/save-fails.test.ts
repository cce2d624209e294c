import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import type { Measurement, MetricRequest, MetricsProvider } from '../../src/ports/metrics-provider.js';
import type { RolloutEvent } from '../../src/ports/notifier.js';
import { storeHealth } from '../../src/ports/state-store.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { openEngineSession } from '../../src/runtime/engine-adapter.js';
import { createRunner } from '../../src/runtime/runner.js';
import { FileStateStore } from '../../src/store/file-store.js';
import { twoStageRollout } from '../runtime/two-stage.js';

/*
 * Issue 11 item 1 on a real full disk (a 1 MiB tmpfs, then remounted
 * read-only): a breach whose record cannot be saved still turns the toggle
 * off, logs at fatal and notifies; later checks retry the save (and do
 * nothing else) until the disk has room again, then the record says
 * rolled_back and history has the write, in order.
 */

const rollout = twoStageRollout('disk');
const FEATURE = rollout.toggle.feature;

let dir: string;
let mnt: string;
let logLines: Record<string, unknown>[];
let notified: RolloutEvent[];
let errorsPerSecond: number;
let clock: number;
let closeRunner: (() => void) | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-savefail-'));
  mnt = join(dir, 'mnt');
  await mkdir(mnt);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
  logLines = [];
  notified = [];
  errorsPerSecond = 1;
  clock = Date.UTC(2026, 0, 5, 12);
});
afterEach(async () => {
  closeRunner?.();
  closeRunner = undefined;
  execFileSync('umount', ['-l', mnt]);
  await rm(dir, { recursive: true, force: true });
});

async function until(what: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const started = performance.now();
  while (!(await what())) {
    if (performance.now() - started > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function setup(toggles: MemoryToggleProvider) {
  const store = new FileStateStore({ dir: join(mnt, 'state'), lockWaitMs: 60_000 });
  const metrics: MetricsProvider = {
    name: 'fake',
    query: async () => ({ kind: 'value', value: 0 }),
    queryMany: async (reqs: readonly MetricRequest[]): Promise<Measurement[]> =>
      reqs.map((r) =>
        r.id === 'error_rate'
          ? {
              kind: 'ratio',
              value: errorsPerSecond / 100,
              numerator: errorsPerSecond * 600,
              denominator: 60_000,
            }
          : { kind: 'value', value: 60_000 },
      ),
  };
  const destination = new Writable({
    write(chunk: Buffer, _e, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean))
        logLines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const runner = createRunner({
    store,
    metricsFor: () => metrics,
    toggleFor: () => toggles,
    openSession: openEngineSession,
    notify: (_n, e) => notified.push(e),
    logger: createLogger({ level: 'info', destination }),
    now: () => clock,
    // the save retry's own timer, fast enough for a test
    unsavedRetryMs: { baseMs: 20, capMs: 100 },
  });
  closeRunner = runner.close;
  return { store, runner };
}

describe('the record cannot be saved during a breach', () => {
  it('disk full: the toggle goes off anyway, fatal + notified, the save is retried until it lands', async () => {
    const toggles = new MemoryToggleProvider({ features: [FEATURE] });
    const { store, runner } = setup(toggles);
    await runner.check(rollout);
    expect((await store.load('disk'))?.summary).toMatchObject({ state: 'running', percent: 5 });
    expect((await toggles.read(FEATURE)).percentageOfActors).toBe(5);

    // fill the disk, then breach
    await writeFile(join(mnt, 'ballast'), Buffer.alloc(2 * 1024 * 1024)).catch(() => undefined);
    errorsPerSecond = 60;
    clock += 60_000;
    const report = await runner.check(rollout);
    expect(report.action).toBe('off-anyway');
    expect((await toggles.read(FEATURE)).percentageOfActors).toBe(0);
    const fatal = logLines.filter((l) => l.level === 60).map((l) => l.msg);
    expect(fatal).toEqual([
      'state not saved: writing the toggle off anyway',
      'toggle written off; state still unsaved, retrying the save',
    ]);
    expect(logLines.find((l) => l.level === 60)).toMatchObject({ errno: 'ENOSPC' });
    expect(notified.map((e) => e.type)).toContain('rolled_back');
    expect(storeHealth(store)).toMatchObject({ ok: false, errno: 'ENOSPC' });
    // the stored record is the one before the breach: nothing could be written
    expect((await store.load('disk'))?.summary.state).toBe('running');

    // still full: the next check only retries the save, it neither measures nor writes
    toggles.setPercent = async () => {
      throw new Error('must not write while the state is unsaved');
    };
    clock += 60_000;
    expect((await runner.check(rollout)).action).toBe('unsaved');
    expect(logLines.at(-1)).toMatchObject({ msg: 'state still unsaved, check skipped', errno: 'ENOSPC' });

    // room again: the save lands, history has the write in causal order
    await rm(join(mnt, 'ballast'));
    clock += 60_000;
    await runner.check(rollout);
    const rec = await store.load('disk');
    expect(rec?.summary.state).toBe('rolled_back');
    expect(rec?.intent).toBeNull();
    const types = (await store.history('disk')).map((e) => e.type);
    const intentAt = types.lastIndexOf('toggle-intent');
    expect(types.slice(intentAt, intentAt + 2)).toEqual(['toggle-intent', 'toggle-result']);
    expect(types.lastIndexOf('check')).toBeLessThan(intentAt);
    // the breach check's own entries were kept with the unsaved position and commit once with its save
    expect(types.filter((t) => t === 'check')).toHaveLength(2);
    expect(types.slice(types.lastIndexOf('check'))).toEqual([
      'check',
      'transition',
      'stage',
      'toggle-intent',
      'toggle-result',
      'transition',
    ]);
    expect(logLines.some((l) => l.msg === 'state saved after the store recovered')).toBe(true);
  });

  it('read-only disk (EROFS): the same, and a failing toggle write is a rollback_failed alert', async () => {
    const toggles = new MemoryToggleProvider({ features: [FEATURE] });
    const { runner } = setup(toggles);
    await runner.check(rollout);
    execFileSync('mount', ['-o', 'remount,ro', mnt]);
    errorsPerSecond = 60;
    clock += 60_000;
    const realDisable = toggles.disable.bind(toggles);
    toggles.disable = async () => {
      throw new Error('flipper: connection refused');
    };
    await runner.check(rollout);
    expect(logLines.find((l) => l.level === 60)).toMatchObject({ errno: 'EROFS' });
    expect(notified.map((e) => e.type)).toContain('rollback_failed');
    expect(
      logLines.some((l) => l.msg === 'toggle write failed and state unsaved: toggle may still be on'),
    ).toBe(true);
    expect((await toggles.read(FEATURE)).percentageOfActors).toBe(5);
    toggles.disable = realDisable;
  });

  it('the save is retried on its own timer: saved with no further check once the disk has room', async () => {
    const toggles = new MemoryToggleProvider({ features: [FEATURE] });
    const { store, runner } = setup(toggles);
    await runner.check(rollout);
    await writeFile(join(mnt, 'ballast'), Buffer.alloc(2 * 1024 * 1024)).catch(() => undefined);
    errorsPerSecond = 60;
    clock += 60_000;
    expect((await runner.check(rollout)).action).toBe('off-anyway');
    expect(runner.unsaved().map((u) => u.name)).toEqual(['disk']);
    // the timer keeps failing while the disk is full...
    await until(
      async () => logLines.filter((l) => l.msg === 'state still unsaved, check skipped').length >= 2,
    );
    expect((await store.load('disk'))?.summary.state).toBe('running');
    // ...and lands once it has room, though no check runs
    await rm(join(mnt, 'ballast'));
    // the record is visible before its save returns (the history commits with it): wait for both
    await until(
      async () =>
        (await store.load('disk'))?.summary.state === 'rolled_back' && runner.unsaved().length === 0,
    );
    expect(logLines.some((l) => l.msg === 'state saved after the store recovered')).toBe(true);
  });

  it("a toggle write's result that cannot be saved is kept and retried, never thrown away", async () => {
    const toggles = new MemoryToggleProvider({ features: [FEATURE] });
    const { store, runner } = setup(toggles);
    // the disk fills between the intent's save and the result's: the write lands, its result cannot be saved
    const realSet = toggles.setPercent.bind(toggles);
    toggles.setPercent = async (...args) => {
      const state = await realSet(...args);
      await writeFile(join(mnt, 'ballast'), Buffer.alloc(2 * 1024 * 1024)).catch(() => undefined);
      return state;
    };
    const report = await runner.check(rollout);
    expect(report.action).not.toBeNull();
    expect((await toggles.read(FEATURE)).percentageOfActors).toBe(5);
    // stored: the intent only; in memory: the result, kept for the retried save
    expect((await store.load('disk'))?.intent?.action).toBe('set');
    expect(runner.unsaved().map((u) => u.name)).toEqual(['disk']);
    expect(
      logLines.find((l) => l.msg === 'toggle written but state not saved, retrying the save'),
    ).toMatchObject({
      level: 60,
      errno: 'ENOSPC',
    });
    toggles.setPercent = realSet;
    await rm(join(mnt, 'ballast'));
    await until(async () => (await store.load('disk'))?.intent === null);
    const rec = await store.load('disk');
    expect(rec?.summary).toMatchObject({ state: 'running', percent: 5 });
    const types = (await store.history('disk')).map((e) => e.type);
    expect(types.indexOf('toggle-intent')).toBeLessThan(types.indexOf('toggle-result'));
    expect(types.filter((t) => t === 'toggle-result')).toHaveLength(1);
  });
});
