import { describe, expect, it } from 'vitest';
import type { ToggleState } from '../../src/ports/toggle-provider.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { judgeLook, openEngineSession } from '../../src/runtime/engine-adapter.js';
import type { EngineSession } from '../../src/runtime/engine-session.js';
import { record } from '../store/helpers.js';
import { looks, twoStageRollout } from './two-stage.js';

const rollout = twoStageRollout('r1');
const T0 = 1_000_000;

/** a session started and observing its canary at 5% */
async function observing(): Promise<{ s: EngineSession; toggle: ToggleState }> {
  const s = openEngineSession(rollout, undefined);
  s.tick({ now: T0, measurements: {}, toggle: null });
  const toggles = new MemoryToggleProvider({ features: [rollout.toggle.feature] });
  const toggle = await toggles.setPercent(rollout.toggle.feature, 5, 'percentage_of_actors');
  s.toggleApplied(T0 + 100, toggle);
  return { s, toggle };
}

describe('openEngineSession', () => {
  it('a new rollout starts: pending → running with an intent to set the canary percent', () => {
    const s = openEngineSession(rollout, undefined);
    expect(s.summary()).toMatchObject({ state: 'pending', stageIndex: -1, percent: 0 });
    const out = s.tick({ now: T0, measurements: {}, toggle: null });
    expect(out.transitions).toEqual([
      expect.objectContaining({
        from: 'pending',
        to: 'running',
        fromState: 'pending',
        toState: 'running.applying',
      }),
    ]);
    expect(s.intent()).toMatchObject({ action: 'set', percent: 5, gate: 'percentage_of_actors', at: T0 });
  });

  it('a landed write moves to observing the canary; the stage started then', async () => {
    const { s } = await observing();
    expect(s.intent()).toBeNull();
    expect(s.summary()).toMatchObject({ state: 'running', stage: 'canary', percent: 5 });
    expect(s.wantsMeasurements()).toBe(true);
    expect(s.stageStart(0)).toBe(T0 + 100);
  });

  it('maps the engine decision to a check decision: action, reasons, each criterion judged, raw kept', async () => {
    const { s, toggle } = await observing();
    const out = s.tick({ now: T0 + 60_000, measurements: looks(1), toggle });
    expect(out.decision?.action).toBe('hold');
    expect(out.decision?.reasons).toEqual(['1m of minDuration 10m in canary']);
    expect(out.decision?.results.map((r) => [r.text, r.kind, r.verdict])).toEqual([
      ['error_rate > 20%', 'rollback', 'ok'],
      ['error_rate < 5%', 'advance', 'pass'],
    ]);
    expect(out.decision?.raw?.action).toBe('hold');
  });

  it('a breach rolls back with a disable intent; a failed write raises rollback_failed and a retry time', async () => {
    const { s, toggle } = await observing();
    const out = s.tick({ now: T0 + 60_000, measurements: looks(50), toggle });
    expect(out.transitions.map((t) => t.to)).toEqual(['rolling_back']);
    expect(s.intent()).toMatchObject({ action: 'disable', mode: 'zero' });
    const failed = s.toggleFailed(T0 + 60_100, 'HTTP 503');
    expect(failed.notices.map((n) => n.type)).toEqual(['rollback_failed']);
    expect(s.retryAt()).toBeGreaterThan(T0 + 60_100);
    expect(s.summary().state).toBe('rolling_back');
  });

  it('operator commands: refused with the engine reason, accepted ones applied', async () => {
    const { s } = await observing();
    expect(s.canAccept('approve')).toEqual({
      ok: false,
      reason: expect.stringContaining('not awaiting approval'),
    });
    expect(s.canAccept('pause')).toEqual({ ok: true });
    const out = s.command('pause', { now: T0 + 1_000, by: 'alice', reason: 'investigating' });
    expect(out.transitions.map((t) => [t.from, t.to])).toEqual([['running', 'paused']]);
    // a paused rollout keeps its rollback protection: it is still measured
    expect(s.wantsMeasurements()).toBe(true);
  });

  it('restores from the persisted snapshot in a record, and refuses one it cannot restore', async () => {
    const { s } = await observing();
    const again = openEngineSession(rollout, record('r1', { version: 3, snapshot: s.persisted() }));
    expect(again.summary()).toEqual(s.summary());
    expect(again.stageStart(0)).toBe(T0 + 100);
    expect(() => openEngineSession(rollout, record('r1', { snapshot: { bogus: 1 } }))).toThrow(
      expect.objectContaining({ code: 'E_SNAPSHOT_INVALID' }),
    );
  });
});

describe('judgeLook', () => {
  it('judges every criterion once, advance first, with no decision', () => {
    const results = judgeLook(rollout, looks(1));
    expect(results.map((r) => [r.kind, r.text, r.verdict])).toEqual([
      ['advance', 'error_rate < 5%', 'pass'],
      ['rollback', 'error_rate > 20%', 'ok'],
    ]);
    expect(results[0]?.interval).toHaveLength(2);
  });

  it('an unmeasured metric is no data, not a pass', () => {
    const results = judgeLook(rollout, {});
    expect(results.map((r) => r.verdict)).not.toContain('pass');
    expect(results[0]?.reason).toContain('not measured');
  });
});
