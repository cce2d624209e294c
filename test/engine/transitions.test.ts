import { describe, expect, it } from 'vitest';
import type { EngineEvent, EngineStateName } from '../../src/engine/context.js';
import { ENGINE_STATES } from '../../src/engine/context.js';
import { MIN, T0, healthy, toggleAt } from './rollout-factory.js';
import { engineIn, op, tick } from './engine-helpers.js';

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
