import { describe, expect, it } from 'vitest';
import type { RolloutEngine } from '../../src/engine/rollout-engine.js';
import { engineIn, op } from './engine-helpers.js';
import { MIN, T0, toggleAt } from './rollout-factory.js';

/*
 * The machine's named actions (src/engine/machine-actions.ts), through the
 * real machine: a write that lands or ends leaves nothing in flight and
 * nothing to retry, whichever way it ends.
 */

const settled = { write: null, intent: null, attempts: 0, nextAttemptAt: null, lastWriteError: null };

/** Fails the pending write once, so there are attempts and an error to clear. */
function failOnce(e: RolloutEngine, now: number): void {
  e.send({ type: 'TOGGLE_FAILED', now, error: 'HTTP 503' });
  expect(e.context()).toMatchObject({ attempts: 1, lastWriteError: 'HTTP 503' });
}

describe('settling a write', () => {
  it('entering a stage: the stage and its clock start, the write is settled', () => {
    const e = engineIn('running.applying');
    failOnce(e, T0);
    e.send({ type: 'TOGGLE_APPLIED', now: T0 + MIN, state: toggleAt(10) });
    expect(e.state()).toBe('running.observing');
    expect(e.context()).toMatchObject({
      ...settled,
      stageIndex: 0,
      stageStartedAt: T0 + MIN,
      appliedPercent: 10,
    });
  });

  it('finishing a rollback after a failed attempt: settled at 0%, no deadline', () => {
    const e = engineIn('rollingBack');
    failOnce(e, T0 + 5 * MIN);
    e.send(op('RETRY', T0 + 6 * MIN));
    e.send({ type: 'TOGGLE_APPLIED', now: T0 + 6 * MIN, state: toggleAt(0) });
    expect(e.state()).toBe('rolledBack');
    expect(e.context()).toMatchObject({ ...settled, appliedPercent: 0, stageDeadline: null });
  });

  it('completing: settled at the toggle’s percent, no deadline, no pause, no reason', () => {
    const e = engineIn('completed');
    expect(e.state()).toBe('completed');
    expect(e.context()).toMatchObject({
      ...settled,
      appliedPercent: 100,
      stageDeadline: null,
      pause: null,
      reason: null,
    });
  });
});
