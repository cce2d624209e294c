import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import type { AbortMarker, AbortMarkers } from '../../src/runtime/abort-marker.js';
import { openEngineSession } from '../../src/runtime/engine-adapter.js';
import { createRunner } from '../../src/runtime/runner.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { errorRateProvider, twoStageRollout } from './two-stage.js';

/*
 * A CLI abort that could not be saved left a marker; the toggle is off. The
 * next check records the abort (who, why, when) before reading the toggle,
 * so the 0% is the abort it was; without a marker the same 0% is drift.
 */

const rollout = twoStageRollout('marked');
const FEATURE = rollout.toggle.feature;

function markers(initial: AbortMarker[]): AbortMarkers & { left: Map<string, AbortMarker> } {
  const left = new Map(initial.map((m) => [m.rollout, m]));
  return { left, get: async (n) => left.get(n), clear: async (n) => void left.delete(n) };
}

async function atCanaryThenOff(marks: AbortMarker[], feature = FEATURE) {
  const store = new MemoryStateStore();
  const toggles = new MemoryToggleProvider({ features: [FEATURE] });
  let clock = Date.UTC(2026, 0, 5, 12);
  const spool = markers([]);
  const runner = createRunner({
    store,
    metricsFor: () => errorRateProvider(() => 1),
    toggleFor: () => toggles,
    openSession: openEngineSession,
    notify: () => undefined,
    logger: silentLogger(),
    now: () => clock,
    abortMarkers: spool,
  });
  await runner.check(rollout);
  expect((await toggles.read(FEATURE)).percentageOfActors).toBe(5);
  // the CLI's abort: toggle written off, record not saved, marker left
  await toggles.disable(FEATURE, 'zero');
  for (const m of marks) spool.left.set(m.rollout, { ...m, feature });
  clock += 60_000;
  await runner.check(rollout);
  runner.close();
  return { rec: await store.load('marked'), history: await store.history('marked'), spool };
}

const MARK: AbortMarker = {
  rollout: 'marked',
  feature: FEATURE,
  by: 'oncall',
  reason: 'bad deploy',
  at: Date.UTC(2026, 0, 5, 12, 0, 30),
  error: 'ENOSPC',
};

describe('applyAbortMarker', () => {
  it('a marker: the abort is recorded with who and why, rolled back, marker cleared', async () => {
    const { rec, history, spool } = await atCanaryThenOff([MARK]);
    expect(rec?.summary.state).toBe('rolled_back');
    const types = history.map((e) => e.type);
    expect(types.lastIndexOf('command')).toBeLessThan(types.lastIndexOf('toggle-result'));
    expect(history.filter((e) => e.type === 'command').at(-1)).toMatchObject({
      command: 'abort',
      by: 'oncall',
      reason: 'bad deploy',
      at: MARK.at,
    });
    expect(spool.left.size).toBe(0);
  });

  it('no marker: the same 0% is drift (a person owns the toggle)', async () => {
    const { rec } = await atCanaryThenOff([]);
    expect(rec?.summary.state).toBe('paused');
  });

  it("a marker for another feature (the file changed since) is not this rollout's abort", async () => {
    const { rec, spool } = await atCanaryThenOff([MARK], 'other_feature');
    expect(rec?.summary.state).toBe('paused');
    expect(spool.left.size).toBe(1);
  });
});
