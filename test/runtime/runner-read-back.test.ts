import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import type { RolloutEvent } from '../../src/ports/notifier.js';
import type { ToggleState } from '../../src/ports/toggle-provider.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { openEngineSession } from '../../src/runtime/engine-adapter.js';
import { createRunner } from '../../src/runtime/runner.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { errorRateProvider, twoStageRollout } from './two-stage.js';

/*
 * Issue 11 item 7 at the runtime, whatever the provider: a rollback write
 * answered 200 with another feature's document (a proxy, a cache, a bug), or
 * one whose read-back still shows the toggle on, is not a rollback. The
 * rollout stays rolling_back with a rollback_failed alert until a read-back
 * confirms it off.
 */

const rollout = twoStageRollout('rb');
const FEATURE = rollout.toggle.feature;

type Lie = 'other-feature' | 'read-back-on' | 'none';

async function breachWith(lie: Lie) {
  const store = new MemoryStateStore();
  const toggles = new MemoryToggleProvider({ features: [FEATURE] });
  const notified: RolloutEvent[] = [];
  let errors = 1;
  const metrics = errorRateProvider(() => errors);
  let clock = Date.UTC(2026, 0, 5, 12);
  const runner = createRunner({
    store,
    metricsFor: () => metrics,
    toggleFor: () => toggles,
    openSession: openEngineSession,
    notify: (_n, e) => notified.push(e),
    logger: silentLogger(),
    now: () => clock,
  });
  await runner.check(rollout);
  const realDisable = toggles.disable.bind(toggles);
  const realRead = toggles.read.bind(toggles);
  if (lie === 'other-feature') {
    // answers 200 with another feature's document, and changes nothing
    toggles.disable = async (): Promise<ToggleState> => {
      const other = await toggles.setPercent('someone_elses_feature', 0, 'percentage_of_actors');
      return other;
    };
  } else if (lie === 'read-back-on') {
    // the write answers "off", but the toggle reads back at 5% (something sets it back)
    toggles.disable = async (f, m): Promise<ToggleState> => {
      const answer = await realDisable(f, m);
      await toggles.setPercent(f, 5, 'percentage_of_actors');
      return answer;
    };
  }
  errors = 60;
  clock += 60_000;
  await runner.check(rollout);
  const rec = await store.load('rb');
  return {
    rec,
    notified,
    percent: (await realRead(FEATURE)).percentageOfActors,
    history: await store.history('rb'),
  };
}

describe('a rollback is recorded only when a read-back confirms it', () => {
  it.each<[string, Lie]>([
    ['a 200 with another feature’s document', 'other-feature'],
    ['a 200 whose read-back still shows 5%', 'read-back-on'],
  ])('%s: stays rolling_back, retried, rollback_failed alert', async (_what, lie) => {
    const { rec, notified, percent, history } = await breachWith(lie);
    expect(percent).toBe(5);
    expect(rec?.summary.state).toBe('rolling_back');
    expect(rec?.intent?.action).toBe('disable');
    expect(notified.map((e) => e.type)).toContain('rollback_failed');
    expect(notified.map((e) => e.type)).not.toContain('rolled_back');
    const result = history.filter((e) => e.type === 'toggle-result').at(-1);
    expect(result).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^rollback of .* not confirmed: /),
    });
  });

  it('an honest provider: rolled_back', async () => {
    const { rec, percent } = await breachWith('none');
    expect(percent).toBe(0);
    expect(rec?.summary.state).toBe('rolled_back');
  });
});
