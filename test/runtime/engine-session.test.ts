import { describe, expect, it } from 'vitest';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { openEngineSession } from '../../src/runtime/engine-adapter.js';
import { OPERATOR_COMMANDS, type EngineSession } from '../../src/runtime/engine-session.js';
import { record } from '../store/helpers.js';
import { looks, twoStageRollout } from './two-stage.js';

/*
 * The EngineSession contract (src/runtime/engine-session.ts), checked on the
 * real implementation in each state the runtime meets: every operator command
 * gets an answer, the persisted state is plain JSON that restores the same
 * session, an intent is pending until its write is reported, a finished
 * rollout wants no measurements.
 */

const rollout = twoStageRollout('r1');
const T0 = 1_000_000;

async function sessions(): Promise<Record<string, EngineSession>> {
  const toggles = new MemoryToggleProvider({ features: [rollout.toggle.feature] });
  const feature = rollout.toggle.feature;
  const at5 = await toggles.setPercent(feature, 5, 'percentage_of_actors');
  const off = await toggles.disable(feature, 'zero');

  const pending = openEngineSession(rollout, undefined);
  const observing = openEngineSession(rollout, undefined);
  observing.tick({ now: T0, measurements: {}, toggle: null });
  observing.toggleApplied(T0 + 1, at5);
  const paused = openEngineSession(rollout, record('r1', { version: 1, snapshot: observing.persisted() }));
  paused.command('pause', { now: T0 + 2, by: 'alice', reason: null });
  const rollingBack = openEngineSession(
    rollout,
    record('r1', { version: 1, snapshot: observing.persisted() }),
  );
  rollingBack.tick({ now: T0 + 60_000, measurements: looks(50), toggle: at5 });
  const rolledBack = openEngineSession(
    rollout,
    record('r1', { version: 1, snapshot: rollingBack.persisted() }),
  );
  rolledBack.toggleApplied(T0 + 60_001, off);
  return { pending, observing, paused, rollingBack, rolledBack };
}

describe('EngineSession contract (openEngineSession)', () => {
  it('reaches the states the runtime meets', async () => {
    const s = await sessions();
    expect(Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.summary().state]))).toEqual({
      pending: 'pending',
      observing: 'running',
      paused: 'paused',
      rollingBack: 'rolling_back',
      rolledBack: 'rolled_back',
    });
  });

  it('answers every operator command in every state: accepted, or refused with a reason', async () => {
    for (const [name, session] of Object.entries(await sessions())) {
      for (const cmd of OPERATOR_COMMANDS) {
        const answer = session.canAccept(cmd);
        if (!answer.ok) expect(answer.reason, `${name} ${cmd}`).toMatch(/\S/);
      }
    }
    const s = await sessions();
    expect(s.rolledBack?.canAccept('promote').ok).toBe(false);
    expect(s.paused?.canAccept('resume')).toEqual({ ok: true });
  });

  it('persists plain JSON that restores the same session', async () => {
    for (const session of Object.values(await sessions())) {
      const persisted = session.persisted();
      expect(JSON.parse(JSON.stringify(persisted))).toEqual(persisted);
      const restored = openEngineSession(rollout, record('r1', { version: 2, snapshot: persisted }));
      expect(restored.summary()).toEqual(session.summary());
      expect(restored.intent()).toEqual(session.intent());
      expect(restored.retryAt()).toEqual(session.retryAt());
    }
  });

  it('an intent is pending until its write is reported; a finished rollout wants no measurements', async () => {
    const s = await sessions();
    expect(s.rollingBack?.intent()).toMatchObject({ action: 'disable' });
    expect(s.rollingBack?.retryAt()).toBeNull();
    expect(s.rolledBack?.intent()).toBeNull();
    expect(s.rolledBack?.wantsMeasurements()).toBe(false);
    expect(s.observing?.wantsMeasurements()).toBe(true);
  });
});
