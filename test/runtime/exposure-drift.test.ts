import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { healthy } from '../providers/metrics/healthy.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { parseRolloutText } from '../../src/rollout/loader.js';
import { applyOperatorCommand } from '../../src/runtime/commands.js';
import { openEngineSession } from '../../src/runtime/engine-adapter.js';
import { createRunner } from '../../src/runtime/runner.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { rolloutYaml } from '../controller/rollout-yaml.js';

/*
 * Issue 13 "exposure, not one gate", through the real runner and engine: a
 * percentage_of_time set by hand beside the rollout's percentage_of_actors
 * exposes users whatever the ramp gate says. It is drift (the rollout pauses,
 * the check entry shows the exposure), and a `zero` abort turns both gates off.
 */

const T0 = Date.parse('2025-06-17T13:00:00Z');
const MIN = 60_000;

describe('a percentage_of_time set by hand', () => {
  it('pauses the rollout with drift, shows in the check entry, and is zeroed by an abort', async () => {
    const rollout = parseRolloutText(rolloutYaml({ name: 'hand-set' }), 'rollouts/hand-set.yaml');
    const feature = rollout.toggle.feature;
    const store = new MemoryStateStore();
    const toggles = new MemoryToggleProvider({ features: [feature] });
    let now = T0;
    const runner = createRunner({
      store,
      metricsFor: () => healthy,
      toggleFor: () => toggles,
      openSession: openEngineSession,
      notify: () => undefined,
      logger: silentLogger(),
      now: () => now,
      settleMs: 0,
    });

    await runner.check(rollout);
    expect((await store.load(rollout.name))?.summary.state).toBe('running');
    const ramp = (await toggles.read(feature)).percentageOfActors;
    expect(ramp).toBeGreaterThan(0);

    toggles.setManually(feature, { percentageOfTime: 40 });
    now += 5 * MIN;
    await runner.check(rollout);
    const paused = await store.load(rollout.name);
    expect(paused?.summary.state).toBe('paused');
    expect(paused?.summary.reason).toMatch(/^drift: percentage_of_time is 40% \(stagegate set 0%\)/);
    const checks = (await store.history(rollout.name)).filter((e) => e.type === 'check');
    const last = checks.at(-1);
    expect(last?.type === 'check' && last.detail.exposure).toMatch(/40% of time/);

    now += MIN;
    await applyOperatorCommand(store, rollout, 'abort', { by: 'oncall', reason: 'bad release', now });
    await runner.applyPending(rollout);
    const off = await toggles.read(feature);
    expect({ actors: off.percentageOfActors, time: off.percentageOfTime }).toEqual({ actors: 0, time: 0 });
    expect((await store.load(rollout.name))?.summary.state).toBe('rolled_back');
  });
});
