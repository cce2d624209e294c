import { describe, expect, it } from 'vitest';
import {
  initialContext,
  type EngineContext,
  type EngineStateName,
  type OperatorEventType,
} from '../../src/engine/context.js';
import { refusalReason } from '../../src/engine/operator.js';
import type { Decision } from '../../src/engine/decide.js';
import { T0, makeRollout } from './rollout-factory.js';

const rollout = makeRollout();

function ctx(over: Partial<EngineContext> = {}): EngineContext {
  return { ...initialContext(), ...over };
}

const atCanary = ctx({ stageIndex: 0, stageName: 'canary' });
const withReasons = ctx({
  stageIndex: 0,
  stageName: 'canary',
  lastDecision: { reasons: ['error_rate inconclusive', 'minDuration not met'] } as unknown as Decision,
});

describe('refusalReason', () => {
  it.each<[EngineStateName, EngineContext, OperatorEventType, string]>([
    [
      'pending',
      ctx(),
      'APPROVE',
      'nothing to approve: the rollout starts by itself and canary (10%) needs no approval',
    ],
    [
      'pending',
      ctx({ reason: 'waiting for the start' }),
      'RESUME',
      'the rollout has not started (waiting for the start); nothing to resume',
    ],
    ['pending', ctx(), 'RETRY', 'the rollout has not started (pending); nothing to retry'],
    ['running.applying', atCanary, 'RETRY', 'no failed toggle write to retry'],
    ['running.applying', atCanary, 'RESUME', 'not paused: applying canary (10%)'],
    [
      'running.applying',
      ctx({ intent: { id: 'i1', action: 'set', percent: 50, gate: 'percentage_of_actors', at: T0 } }),
      'RESUME',
      'not paused: applying 50%',
    ],
    [
      'running.applying',
      ctx({ reason: 'entering half' }),
      'APPROVE',
      'a toggle write is in flight (entering half); approve once it lands',
    ],
    ['running.applying', ctx(), 'PAUSE', 'a toggle write is in flight (applying); pause once it lands'],
    [
      'running.observing',
      withReasons,
      'APPROVE',
      'not awaiting approval: error_rate inconclusive; minDuration not met',
    ],
    ['running.observing', atCanary, 'APPROVE', 'not awaiting approval: no check yet'],
    ['running.observing', atCanary, 'RESUME', 'not paused: running at canary (10%)'],
    ['running.observing', atCanary, 'RETRY', 'nothing to retry: running at canary (10%)'],
    [
      'running.awaitingApproval',
      withReasons,
      'APPROVE',
      'the latest check no longer supports advancing: error_rate inconclusive; minDuration not met',
    ],
    ['running.awaitingApproval', atCanary, 'RESUME', 'not paused: awaiting approval at canary (10%)'],
    ['running.awaitingApproval', atCanary, 'RETRY', 'nothing to retry: awaiting approval at canary (10%)'],
    ['paused', ctx({ reason: 'paused by alice' }), 'PAUSE', 'already paused: paused by alice'],
    ['paused', ctx(), 'PAUSE', 'already paused: paused'],
    ['paused', ctx({ reason: 'drift' }), 'RETRY', 'paused, not failed: use resume (drift)'],
    ['paused', ctx({ reason: 'drift' }), 'APPROVE', 'paused (drift): resume first'],
    ['rollingBack', ctx(), 'ABORT', 'already rolling back'],
    ['rollingBack', ctx(), 'RETRY', 'the rollback write has not failed; nothing to retry'],
    ['rollingBack', ctx(), 'PAUSE', 'a rollback cannot be paused; it retries until the toggle is off'],
    [
      'rollingBack',
      ctx({ reason: 'error_rate breached' }),
      'PROMOTE',
      'rolling back (error_rate breached); retry once it is rolled back',
    ],
    ['rolledBack', ctx(), 'ABORT', 'already rolled back'],
    [
      'rolledBack',
      ctx({ reason: 'aborted by alice' }),
      'RESUME',
      'rolled back (aborted by alice): use retry to start again from canary (10%)',
    ],
    ['completed', ctx(), 'PAUSE', 'the rollout is completed; nothing to pause (abort turns the toggle off)'],
  ])('in %s (case %#) the refusal is: %3$s', (state, context, type, expected) => {
    expect(refusalReason(rollout, state, context, type)).toBe(expected);
  });

  it('names the scheduled start of a rollout that starts at a time', () => {
    const scheduled = makeRollout({ start: { kind: 'at', at: T0 } });
    expect(refusalReason(scheduled, 'pending', ctx(), 'APPROVE')).toBe(
      'nothing to approve: the rollout starts at 2025-06-17T13:00:00.000Z and canary (10%) needs no approval',
    );
  });
});
