import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReplayMetricsProvider } from '../../src/providers/metrics/replay.js';
import { loadSeriesFile } from '../../src/providers/metrics/replay-series.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { loadRolloutFile } from '../../src/rollout/loader.js';
import type { Rollout } from '../../src/rollout/types.js';
import { simulateRollout } from '../../src/runtime/simulate-run.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';

/*
 * Issue 13: a gate write on a feature the provider does not have creates it
 * (and vets-api's `rake features:setup` deletes it again). Through the real
 * runner and engine: the rollout stays pending, says why, alerts once, and
 * writes nothing — until the feature is declared, or `toggle.create: true`.
 */

const FIXTURES = resolve(import.meta.dirname, '../fixtures/series');
const FROM = Date.parse('2025-06-17T09:00:00-04:00');
const MIN = 60_000;

async function simulate(toggles: MemoryToggleProvider, change: Partial<Rollout['toggle']> = {}) {
  const loaded = await loadRolloutFile(`${FIXTURES}/ebg-emails.yaml`);
  const rollout: Rollout = { ...loaded, toggle: { ...loaded.toggle, ...change } };
  const metrics = new ReplayMetricsProvider(
    await loadSeriesFile(`${FIXTURES}/ebg-healthy.csv`),
    FROM,
    rollout.metrics,
  );
  const store = new MemoryStateStore();
  const result = await simulateRollout({
    rollout,
    metrics,
    store,
    toggles,
    from: FROM,
    until: FROM + 30 * MIN,
    nextCheck: (now) => now + 15 * MIN,
  });
  return { rollout, result, history: await store.history(rollout.name) };
}

describe('a rollout whose feature does not exist', () => {
  it('stays pending with the reason, alerts once and writes nothing', async () => {
    const toggles = new MemoryToggleProvider();
    const { rollout, result, history } = await simulate(toggles);
    const feature = rollout.toggle.feature;
    expect(result.timeline).toHaveLength(3);
    for (const entry of result.timeline) {
      expect(entry).toMatchObject({ state: 'pending', stage: null, percent: 0 });
      expect(entry.reasons).toContain(`feature ${feature} does not exist in ${rollout.toggle.provider}`);
    }
    expect(result.timeline[0]?.action).toBe('hold');
    // one alert, not one per check
    expect(result.timeline.map((e) => e.notices)).toEqual([['feature_missing'], [], []]);
    expect((await toggles.read(feature)).exists).toBe(false);
    expect(history.filter((e) => e.type === 'toggle-intent' || e.type === 'toggle-result')).toEqual([]);
  });

  it('starts once the feature is declared', async () => {
    const toggles = new MemoryToggleProvider();
    const loaded = await loadRolloutFile(`${FIXTURES}/ebg-emails.yaml`);
    toggles.setManually(loaded.toggle.feature, {});
    const { result } = await simulate(toggles);
    expect(result.timeline[0]).toMatchObject({ state: 'running', notices: ['started'] });
  });

  it('toggle.create: true lets the first write create it', async () => {
    const toggles = new MemoryToggleProvider();
    const { rollout, result } = await simulate(toggles, { create: true });
    expect(result.timeline[0]).toMatchObject({ state: 'running', notices: ['started'] });
    expect((await toggles.read(rollout.toggle.feature)).exists).toBe(true);
  });
});
