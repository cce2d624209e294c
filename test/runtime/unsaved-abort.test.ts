import { describe, expect, it } from 'vitest';
import { StagegateError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { openEngineSession } from '../../src/runtime/engine-adapter.js';
import { createRunner } from '../../src/runtime/runner.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { errorRateProvider, twoStageRollout } from './two-stage.js';

/*
 * keepUnsavedAbort through the runner: an abort whose save failed is replayed
 * on the record it started from, the toggle written off, the position kept;
 * checks do nothing but retry the save, which records the abort once it lands.
 */

const rollout = twoStageRollout('kept');
const FEATURE = rollout.toggle.feature;

function setup() {
  const store = new MemoryStateStore();
  const toggles = new MemoryToggleProvider({ features: [FEATURE] });
  const runner = createRunner({
    store,
    metricsFor: () => errorRateProvider(() => 1),
    toggleFor: () => toggles,
    openSession: openEngineSession,
    notify: () => undefined,
    logger: silentLogger(),
    now: () => Date.UTC(2026, 0, 5, 12),
    // the timer is not under test here: far away
    unsavedRetryMs: { baseMs: 60_000, capMs: 60_000 },
  });
  return { store, toggles, runner };
}

describe('keepUnsavedAbort', () => {
  it('kept: toggle off, checks only retry the save; recorded as the abort once the store saves', async () => {
    const { store, toggles, runner } = setup();
    await runner.check(rollout);
    const record = await store.load('kept');
    const realSave = store.save.bind(store);
    store.save = async () => {
      throw new StagegateError('E_STORE_UNAVAILABLE', 'disk full', { errno: 'ENOSPC' });
    };
    const meta = { now: Date.UTC(2026, 0, 5, 12, 1), by: 'oncall', reason: 'bad deploy' };
    expect(await runner.keepAbort(rollout, record, meta, new Error('disk full'))).toBe(true);
    expect((await toggles.read(FEATURE)).percentageOfActors).toBe(0);
    expect(runner.unsaved().map((u) => u.name)).toEqual(['kept']);
    // the toggle reads 0% against the record's 5%: not drift, the check only retries the save
    expect((await runner.check(rollout)).action).toBe('unsaved');
    expect((await store.load('kept'))?.summary.state).toBe('running');

    store.save = realSave;
    await runner.check(rollout);
    expect((await store.load('kept'))?.summary.state).toBe('rolled_back');
    expect(runner.unsaved()).toEqual([]);
    const commands = (await store.history('kept')).filter((e) => e.type === 'command');
    expect(commands).toHaveLength(1);
    expect(commands[0]).toMatchObject({ command: 'abort', by: 'oncall', reason: 'bad deploy' });
    runner.close();
  });

  it('a record that refuses an abort (already rolled back) keeps nothing', async () => {
    const { store, runner } = setup();
    await runner.check(rollout);
    const meta = { now: Date.UTC(2026, 0, 5, 12, 1), by: 'oncall', reason: null };
    await runner.keepAbort(rollout, await store.load('kept'), meta, new Error('x'));
    await runner.check(rollout);
    expect((await store.load('kept'))?.summary.state).toBe('rolled_back');
    expect(await runner.keepAbort(rollout, await store.load('kept'), meta, new Error('x'))).toBe(false);
    expect(runner.unsaved()).toEqual([]);
    runner.close();
  });
});
