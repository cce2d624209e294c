import { describe, expect, it } from 'vitest';
import type { EngineEvent, EngineStateName } from '../../src/engine/context.js';
import { ENGINE_STATES, MACHINE_VERSION } from '../../src/engine/context.js';
import { isOperatorEvent, RolloutEngine } from '../../src/engine/rollout-engine.js';
import { MIN, T0, healthy, makeRollout, toggleAt } from './rollout-factory.js';
import { applyDue, engineIn, op, tick } from './engine-helpers.js';

/*
 * Every state × every event, through the real machine. `refused` is an
 * operator command the engine turns down with a reason (nothing changes);
 * a runtime event that means nothing in a state is accepted and ignored.
 */

const EVENTS = [
  'TICK',
  'PAUSE',
  'RESUME',
  'APPROVE',
  'ABORT',
  'PROMOTE',
  'RETRY',
  'TOGGLE_APPLIED',
  'TOGGLE_FAILED',
] as const;
type EventName = (typeof EVENTS)[number];

const R = 'refused';
type Outcome = EngineStateName | typeof R;

const TABLE: Record<EngineStateName, Record<EventName, Outcome>> = {
  pending: {
    TICK: 'running.applying',
    PAUSE: 'paused',
    RESUME: R,
    APPROVE: R,
    ABORT: 'rolledBack',
    PROMOTE: 'running.applying',
    RETRY: R,
    TOGGLE_APPLIED: 'pending',
    TOGGLE_FAILED: 'pending',
  },
  'running.applying': {
    TICK: 'running.applying',
    PAUSE: 'paused',
    RESUME: R,
    APPROVE: R,
    ABORT: 'rollingBack',
    PROMOTE: R,
    RETRY: R,
    TOGGLE_APPLIED: 'running.observing',
    TOGGLE_FAILED: 'running.applying',
  },
  'running.observing': {
    TICK: 'running.observing',
    PAUSE: 'paused',
    RESUME: R,
    APPROVE: R,
    ABORT: 'rollingBack',
    PROMOTE: 'running.applying',
    RETRY: R,
    TOGGLE_APPLIED: 'running.observing',
    TOGGLE_FAILED: 'running.observing',
  },
  'running.awaitingApproval': {
    TICK: 'running.awaitingApproval',
    PAUSE: 'paused',
    RESUME: R,
    APPROVE: 'running.applying',
    ABORT: 'rollingBack',
    PROMOTE: 'running.applying',
    RETRY: R,
    TOGGLE_APPLIED: 'running.awaitingApproval',
    TOGGLE_FAILED: 'running.awaitingApproval',
  },
  paused: {
    TICK: 'paused',
    PAUSE: R,
    RESUME: 'running.observing',
    APPROVE: R,
    ABORT: 'rollingBack',
    PROMOTE: R,
    RETRY: R,
    TOGGLE_APPLIED: 'paused',
    TOGGLE_FAILED: 'paused',
  },
  rollingBack: {
    TICK: 'rollingBack',
    PAUSE: R,
    RESUME: R,
    APPROVE: R,
    ABORT: R,
    PROMOTE: R,
    RETRY: R,
    TOGGLE_APPLIED: 'rolledBack',
    TOGGLE_FAILED: 'rollingBack',
  },
  rolledBack: {
    TICK: 'rolledBack',
    PAUSE: R,
    RESUME: R,
    APPROVE: R,
    ABORT: R,
    PROMOTE: R,
    RETRY: 'pending',
    TOGGLE_APPLIED: 'rolledBack',
    TOGGLE_FAILED: 'rolledBack',
  },
  completed: {
    TICK: 'completed',
    PAUSE: R,
    RESUME: R,
    APPROVE: R,
    // the kill switch after launch
    ABORT: 'rollingBack',
    PROMOTE: R,
    RETRY: R,
    TOGGLE_APPLIED: 'completed',
    TOGGLE_FAILED: 'completed',
  },
};

function eventFor(name: EventName, percentNow: number, intentPercent: number | undefined): EngineEvent {
  const now = T0 + 20 * MIN;
  switch (name) {
    case 'TICK':
      return tick(now, healthy(), toggleAt(percentNow));
    case 'TOGGLE_APPLIED':
      return { type: 'TOGGLE_APPLIED', now, state: toggleAt(intentPercent ?? percentNow) };
    case 'TOGGLE_FAILED':
      return { type: 'TOGGLE_FAILED', now, error: 'HTTP 502' };
    default:
      return op(name, now, 'table');
  }
}

describe('transition table: every state × every event', () => {
  it('covers every state', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...ENGINE_STATES].sort());
  });

  for (const state of ENGINE_STATES) {
    for (const name of EVENTS) {
      const expected = TABLE[state][name];
      it(`${state} + ${name} → ${expected}`, () => {
        const engine = engineIn(state);
        expect(engine.state()).toBe(state);
        const before = JSON.stringify(engine.persisted());
        const event = eventFor(name, engine.context().appliedPercent, engine.intent()?.percent);
        const result = engine.send(event);
        if (expected === R) {
          expect(result.accepted).toBe(false);
          expect(result.refusal).toMatch(/\w/);
          expect(JSON.stringify(engine.persisted())).toBe(before);
          expect(engine.state()).toBe(state);
        } else {
          expect(result.accepted).toBe(true);
          expect(engine.state()).toBe(expected);
        }
      });
    }
  }
});

describe('canAccept explains refusals the CLI prints', () => {
  it.each<[EngineStateName, 'PAUSE' | 'RESUME' | 'APPROVE' | 'ABORT' | 'PROMOTE' | 'RETRY', string]>([
    ['pending', 'RESUME', 'the rollout has not started (pending); nothing to resume'],
    [
      'pending',
      'APPROVE',
      'nothing to approve: the rollout starts by itself and canary (10%) needs no approval',
    ],
    ['running.observing', 'RESUME', 'not paused: running at canary (10%)'],
    ['running.observing', 'APPROVE', 'not awaiting approval: starting canary (10%)'],
    [
      'running.applying',
      'PROMOTE',
      'a toggle write is in flight (applying canary (10%)); promote once it lands',
    ],
    ['paused', 'PAUSE', 'already paused: paused by alice: looking at logs'],
    ['paused', 'APPROVE', 'paused (paused by alice: looking at logs): resume first'],
    ['rollingBack', 'PAUSE', 'a rollback cannot be paused; it retries until the toggle is off'],
    ['rollingBack', 'RETRY', 'the rollback write has not failed; nothing to retry'],
    [
      'rolledBack',
      'RESUME',
      'rolled back (aborted by alice: bad emails): use retry to start again from canary (10%)',
    ],
    ['completed', 'PAUSE', 'the rollout is completed; nothing to pause (abort turns the toggle off)'],
  ])('%s refuses %s: %s', (state, command, reason) => {
    const engine = engineIn(state);
    expect(engine.canAccept(command)).toEqual({ ok: false, reason });
    expect(engine.send(op(command, T0 + 30 * MIN))).toMatchObject({ accepted: false, refusal: reason });
  });

  it('a completed rollout can be aborted: the kill switch turns the toggle off', () => {
    const engine = engineIn('completed');
    expect(engine.canAccept('ABORT')).toEqual({ ok: true });
    engine.send(op('ABORT', T0 + 30 * MIN));
    expect(engine.state()).toBe('rollingBack');
    expect(engine.intent()).toMatchObject({ action: 'disable', percent: 0 });
  });

  it('accepts what the machine would act on', () => {
    expect(engineIn('running.awaitingApproval').canAccept('APPROVE')).toEqual({ ok: true });
    expect(engineIn('paused').canAccept('RESUME')).toEqual({ ok: true });
  });
});

describe('isOperatorEvent', () => {
  it.each(['PAUSE', 'RESUME', 'APPROVE', 'ABORT', 'PROMOTE', 'RETRY'] as const)(
    '%s is an operator event',
    (type) => {
      expect(isOperatorEvent(op(type, T0))).toBe(true);
    },
  );

  it.each<EngineEvent>([
    tick(T0),
    { type: 'TOGGLE_APPLIED', now: T0, state: toggleAt(10) },
    { type: 'TOGGLE_FAILED', now: T0, error: 'HTTP 502' },
  ])('$type is not', (event) => {
    expect(isOperatorEvent(event)).toBe(false);
  });
});

describe('send: what one event did', () => {
  it('reports the first TICK as the start decision, one transition and a pending intent', () => {
    const engine = RolloutEngine.create(makeRollout());
    const result = engine.send(tick(T0, {}));
    expect(result).toMatchObject({ accepted: true, refusal: null, notices: [] });
    expect(result.decision).toMatchObject({ action: 'advance', reasons: ['starting canary (10%)'] });
    expect(result.transitions).toEqual([
      {
        from: 'pending',
        to: 'running',
        fromState: 'pending',
        toState: 'running.applying',
        // the stage takes effect when its write lands
        stage: null,
        percent: 0,
        reason: 'applying canary (10%)',
      },
    ]);
    expect(engine.intent()).toMatchObject({ action: 'set', percent: 10 });
  });

  it('reports the landed write, then the decision of the next TICK with no transition', () => {
    const engine = RolloutEngine.create(makeRollout());
    engine.send(tick(T0, {}));
    const landed = engine.send({ type: 'TOGGLE_APPLIED', now: T0, state: toggleAt(10) });
    expect(landed.transitions.map((t) => t.toState)).toEqual(['running.observing']);
    expect(landed.notices.map((n) => n.type)).toEqual(['started']);
    expect(engine.intent()).toBeNull();

    const checked = engine.send(tick(T0 + 5 * MIN, healthy(), toggleAt(10)));
    expect(checked.transitions).toEqual([]);
    expect(checked.decision).toMatchObject({ action: 'hold', stageIndex: 0 });
    expect(engine.lastDecision()).toBe(checked.decision);
    expect(engine.summary()).toEqual({
      state: 'running',
      stage: 'canary',
      stageIndex: 0,
      percent: 10,
      reason: checked.decision?.reasons.join('; ') ?? null,
      lastCheck: T0 + 5 * MIN,
    });
  });
});

describe('wantsMeasurements', () => {
  // rollback criteria still protect a paused rollout
  const READS = new Set<EngineStateName>([
    'running.applying',
    'running.observing',
    'running.awaitingApproval',
    'paused',
  ]);
  it.each(ENGINE_STATES.map((s) => [s, READS.has(s)]))('%s reads measurements: %s', (state, expected) => {
    expect(engineIn(state).wantsMeasurements()).toBe(expected);
  });
});

describe('persisted and create', () => {
  it('restores an engine into the same state and context', () => {
    const engine = engineIn('running.awaitingApproval');
    const stored = JSON.parse(JSON.stringify(engine.persisted())) as unknown;
    expect(stored).toMatchObject({ machineVersion: MACHINE_VERSION, rollout: 'test-rollout' });
    const restored = RolloutEngine.create(engine.rollout, stored);
    expect(restored.state()).toBe('running.awaitingApproval');
    expect(restored.context()).toEqual(engine.context());
    expect(restored.canAccept('APPROVE')).toEqual({ ok: true });
  });

  it('applies the due intent once and then has nothing due', () => {
    const engine = RolloutEngine.create(makeRollout());
    engine.send(tick(T0, {}));
    expect(engine.writeDue(T0)).toMatchObject({ percent: 10 });
    applyDue(engine, T0);
    expect(engine.writeDue(T0)).toBeNull();
    expect(engine.retryAt()).toBeNull();
    expect(engine.stageStartedAt()).toBe(T0);
  });
});
