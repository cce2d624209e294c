import { describe, expect, it } from 'vitest';
import { initialContext, type EngineEvent, type TickEvent } from '../../src/engine/context.js';
import { ZERO_COUNTERS } from '../../src/engine/decide.js';
import {
  EPSILON,
  createKit,
  describeOperator,
  operatorText,
  pauseFields,
  pauseNoticeType,
  reported,
  resetCounters,
} from '../../src/engine/machine-kit.js';
import { READY_AT, engineIn, op, tick } from './engine-helpers.js';
import { HOUR, T0, breaching, makeRollout, toggleAt } from './rollout-factory.js';

/* machine-kit.ts: what the machine's guards and actions share. */

describe('operator texts', () => {
  it.each<[EngineEvent, string]>([
    [op('PROMOTE', T0, 'looks fine'), 'promoted by alice: looks fine'],
    [op('APPROVE', T0), 'approved by alice'],
    [op('RESUME', T0, 'fixed'), 'resumed by alice: fixed'],
    [op('PAUSE', T0, 'why'), 'pause'],
    [op('ABORT', T0), 'abort'],
    [tick(T0), 'tick'],
  ])('describeOperator %#', (event, text) => {
    expect(describeOperator(event)).toBe(text);
  });

  it('operatorText leaves out an empty reason', () => {
    expect(operatorText('paused', { type: 'PAUSE', now: T0, by: 'bob', reason: '' })).toBe('paused by bob');
    expect(operatorText('paused', { type: 'PAUSE', now: T0, by: 'bob', reason: 'lunch' })).toBe(
      'paused by bob: lunch',
    );
  });
});

describe('small context pieces', () => {
  it('pauseFields clears the intent and the retry clock', () => {
    expect(pauseFields('drift', 'reapply', 'drift: x')).toEqual({
      pause: { kind: 'drift', resumeTo: 'reapply' },
      reason: 'drift: x',
      intent: null,
      nextAttemptAt: null,
    });
  });

  it.each([
    ['drift', 'drift'],
    ['stuck', 'held_too_long'],
    ['operator', 'paused'],
    ['errors', 'paused'],
    [undefined, 'paused'],
  ] as const)('pauseNoticeType(%s) → %s', (kind, type) => {
    expect(pauseNoticeType(kind)).toBe(type);
  });

  it('resetCounters restarts everything of a stage but the provider errors', () => {
    const c = {
      breaches: { a: 1 },
      looks: { a: 3 },
      errors: 2,
      failingSince: { b: T0 },
      detectors: { a: { s: 1, through: T0, trials: 5, events: 1, rawEvents: 1 } },
    };
    expect(resetCounters(c)).toEqual({ ...ZERO_COUNTERS, errors: 2 });
  });

  it('reported: the toggle state of TOGGLE_APPLIED only', () => {
    expect(reported({ type: 'TOGGLE_APPLIED', now: T0, state: toggleAt(25) })).toEqual(toggleAt(25));
    expect(reported({ type: 'TOGGLE_FAILED', now: T0, error: 'boom' })).toBeNull();
    expect(reported(tick(T0))).toBeNull();
  });
});

describe('createKit', () => {
  const rollout = makeRollout({ policy: { maxStageDurationMs: 72 * HOUR } });
  const kit = createKit(rollout);

  it('decides once per context and event, however many guards ask', () => {
    const ctx = engineIn('running.observing', rollout).context();
    const event = tick(READY_AT) as TickEvent;
    const d = kit.decisionOf(ctx, event);
    expect(kit.decisionOf(ctx, event)).toBe(d);
    expect(d.action).toBe('advance');
    // a different event (or context) is a different decision
    const other = tick(READY_AT) as TickEvent;
    expect(kit.decisionOf(ctx, other)).not.toBe(d);
    expect(kit.decisionOf({ ...ctx }, event)).not.toBe(d);
    expect(kit.tickAction(ctx, event)).toBe('advance');
    expect(kit.tickAction(ctx, tick(READY_AT, breaching()))).toBe('hold');
    expect(kit.tickAction(ctx, op('PAUSE', READY_AT))).toBeNull();
  });

  it('passes a missing feature into the decision, only when the toggle was read', () => {
    const ctx = initialContext();
    const missing = { ...toggleAt(0), exists: false };
    expect(kit.decisionOf(ctx, tick(T0, {}, missing) as TickEvent).action).toBe('hold');
    expect(kit.decisionOf(ctx, tick(T0, {}, null) as TickEvent).action).toBe('advance');
  });

  it('plans absolute writes with sequential ids', () => {
    const ctx = { ...initialContext(), intentSeq: 4, attempts: 2, lastWriteError: 'boom' };
    const stage = kit.stageWrite(1, 'advancing');
    expect(stage).toEqual({ purpose: 'stage', stageIndex: 1, stageName: 'half', why: 'advancing' });
    expect(kit.planWrite(ctx, stage, T0)).toEqual({
      write: stage,
      intent: { id: 'test-rollout#5', action: 'set', percent: 50, gate: 'percentage_of_actors', at: T0 },
      intentSeq: 5,
      attempts: 0,
      nextAttemptAt: T0,
      lastWriteError: null,
    });
    const rollback = { purpose: 'rollback', stageIndex: 1, stageName: 'half', why: 'breach' } as const;
    expect(kit.planWrite(ctx, rollback, T0).intent).toEqual({
      id: 'test-rollout#5',
      action: 'disable',
      percent: 0,
      gate: 'percentage_of_actors',
      mode: 'zero',
      at: T0,
    });
    const complete = { purpose: 'complete', stageIndex: 2, stageName: 'full', why: 'done' } as const;
    expect(kit.planWrite(ctx, complete, T0).intent).toMatchObject({ action: 'enable', percent: 100 });
    expect(kit.stageWrite(9, 'x')).toMatchObject({ stageIndex: 9, stageName: null });
  });

  it('deadlines from policy.maxStageDuration, none without it', () => {
    expect(kit.lastIndex).toBe(2);
    expect(kit.deadlineFrom(T0)).toBe(T0 + 72 * HOUR);
    expect(createKit(makeRollout()).deadlineFrom(T0)).toBeNull();
  });

  it('reads the toggle as its effective percent on the rollout’s gate; a missing feature as 0', () => {
    expect(kit.readsAs(toggleAt(25))).toBe(25);
    expect(kit.readsAs({ ...toggleAt(25), exists: false })).toBe(0);
    expect(EPSILON).toBeLessThan(0.001);
  });

  it('drift compares the toggle with what was applied', () => {
    const ctx = { ...initialContext(), appliedPercent: 10 };
    expect(kit.driftOf(ctx, toggleAt(10))).toEqual({ kind: 'ok' });
    expect(kit.driftOf(ctx, toggleAt(30)).kind).toBe('drift');
  });

  it('says why a write did not take', () => {
    const ctx = { ...initialContext(), ...kit.planWrite(initialContext(), kit.stageWrite(1, 'x'), T0) };
    expect(kit.writeMismatch(ctx, { type: 'TOGGLE_APPLIED', now: T0, state: toggleAt(12.5) })).toBe(
      'toggle reads 12.5% after writing 50%',
    );
    expect(kit.writeMismatch(ctx, { type: 'TOGGLE_FAILED', now: T0, error: 'HTTP 503' })).toBe('HTTP 503');
    expect(kit.writeMismatch(ctx, tick(T0))).toBe('toggle write failed');
  });

  it('builds notices from the context', () => {
    const ctx = { ...initialContext(), stageName: 'canary', appliedPercent: 10 };
    expect(kit.noticeFrom('paused', ctx, T0, 'why')).toMatchObject({
      type: 'notice',
      notice: {
        type: 'paused',
        rollout: 'test-rollout',
        stage: 'canary',
        percent: 10,
        at: T0,
        reason: 'why',
      },
    });
  });
});
