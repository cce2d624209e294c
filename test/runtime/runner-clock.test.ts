import { steadyWallClock } from '../../src/ports/clock.js';
import { describe, expect, it } from 'vitest';
import { StagegateError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { openEngineSession } from '../../src/runtime/engine-adapter.js';
import { createRunner } from '../../src/runtime/runner.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { errorRateProvider, twoStageRollout } from './two-stage.js';

/*
 * Issue 11 "clocks": a failed rollback's retry wait is measured on the
 * monotonic clock within the process. Injected clocks: the wall clock steps
 * back an hour or forward a day; only monotonic time decides.
 */

const rollout = twoStageRollout('clk');

async function failedRollback() {
  const store = new MemoryStateStore();
  const toggles = new MemoryToggleProvider({ features: [rollout.toggle.feature] });
  let errors = 1;
  const metrics = errorRateProvider(() => errors);
  const clocks = { wall: Date.UTC(2026, 0, 5, 12), mono: 5_000 };
  const runner = createRunner({
    store,
    metricsFor: () => metrics,
    toggleFor: () => toggles,
    openSession: openEngineSession,
    notify: () => undefined,
    logger: silentLogger(),
    now: () => clocks.wall,
    monotonic: () => clocks.mono,
  });
  await runner.check(rollout);
  const disable = toggles.disable.bind(toggles);
  let attempts = 0;
  toggles.disable = async (f, m) => {
    attempts++;
    if (attempts === 1) throw new StagegateError('E_PROVIDER_UNREACHABLE', 'flipper: connection refused');
    return disable(f, m);
  };
  errors = 60;
  clocks.wall += 60_000;
  clocks.mono += 60_000;
  await runner.check(rollout);
  const rec = await store.load('clk');
  expect(rec?.summary.state).toBe('rolling_back');
  return { store, runner, clocks, attempts: () => attempts };
}

describe('a failed rollback’s retry wait', () => {
  it('a wall step back an hour does not stall it: the retry runs once the backoff passed on the monotonic clock', async () => {
    const { store, runner, clocks, attempts } = await failedRollback();
    clocks.wall -= 3_600_000;
    clocks.mono += 1_000;
    expect(await runner.applyPending(rollout)).toBe(false); // backoff (15 s) not over yet
    clocks.mono += 15_000;
    expect(await runner.applyPending(rollout)).toBe(true);
    expect(attempts()).toBe(2);
    expect((await store.load('clk'))?.summary.state).toBe('rolled_back');
  });

  it('a wall step forward a day does not fire it early', async () => {
    const { runner, clocks, attempts } = await failedRollback();
    clocks.wall += 86_400_000;
    clocks.mono += 1_000;
    expect(await runner.applyPending(rollout)).toBe(false);
    expect(attempts()).toBe(1);
  });
});

describe('steadyWallClock: wall time a step within the process does not move', () => {
  it.each<[string, number]>([
    ['forward a day', 86_400_000],
    ['back an hour', -3_600_000],
  ])('a wall step %s moves it by the monotonic time only', (_name, step) => {
    const clocks = { wall: 1_000_000, mono: 50 };
    const now = steadyWallClock(
      () => clocks.wall,
      () => clocks.mono,
    );
    expect(now()).toBe(1_000_000);
    clocks.wall += step;
    clocks.mono += 300_000;
    expect(now()).toBe(1_300_000);
    // whole milliseconds, like Date.now(): records and snapshots hold integer epoch ms
    clocks.mono += 0.75;
    expect(now()).toBe(1_300_000);
  });

  it('a wall step forward a day does not let a 10m minDuration pass after 5 minutes', async () => {
    const store = new MemoryStateStore();
    const toggles = new MemoryToggleProvider({ features: [rollout.toggle.feature] });
    const clocks = { wall: Date.UTC(2026, 0, 5, 12), mono: 5_000 };
    const runner = createRunner({
      store,
      metricsFor: () => errorRateProvider(() => 1),
      toggleFor: () => toggles,
      openSession: openEngineSession,
      notify: () => undefined,
      logger: silentLogger(),
      now: steadyWallClock(
        () => clocks.wall,
        () => clocks.mono,
      ),
      monotonic: () => clocks.mono,
    });
    await runner.check(rollout);
    for (let i = 0; i < 5; i++) {
      clocks.wall += i === 2 ? 86_400_000 : 60_000;
      clocks.mono += 60_000;
      await runner.check(rollout);
    }
    expect((await store.load('clk'))?.summary).toMatchObject({ stage: 'canary', percent: 5 });
    // with the raw wall clock the same checks would have advanced
    const raw = new MemoryStateStore();
    const rawToggles = new MemoryToggleProvider({ features: [rollout.toggle.feature] });
    let wall = Date.UTC(2026, 0, 5, 12);
    const rawRunner = createRunner({
      store: raw,
      metricsFor: () => errorRateProvider(() => 1),
      toggleFor: () => rawToggles,
      openSession: openEngineSession,
      notify: () => undefined,
      logger: silentLogger(),
      now: () => wall,
    });
    await rawRunner.check(rollout);
    for (let i = 0; i < 5; i++) {
      wall += i === 2 ? 86_400_000 : 60_000;
      await rawRunner.check(rollout);
    }
    expect((await raw.load('clk'))?.summary.stage).toBe('full');
  });
});
