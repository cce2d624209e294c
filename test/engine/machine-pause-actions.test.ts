import { describe, expect, it } from 'vitest';
import { pauseKindOf } from '../../src/engine/machine-pause-actions.js';
import { RolloutEngine } from '../../src/engine/rollout-engine.js';
import { engineIn, op, tick } from './engine-helpers.js';
import { MIN, PROVIDER_ERROR, T0, makeRollout, toggleAt } from './rollout-factory.js';

/* Pausing and resuming through the real machine (src/engine/machine-pause-actions.ts). */

describe('pauseKindOf', () => {
  it.each([
    ['errors', 'errors'],
    ['no-data', 'no-data'],
    ['failing', 'failing'],
    ['stuck', 'stuck'],
    ['breach', 'stuck'],
    [null, 'stuck'],
  ] as const)('%s → %s', (cause, kind) => {
    expect(pauseKindOf(cause)).toBe(kind);
  });
});

describe('pause and resume actions', () => {
  it('an operator pause while observing resumes to observing, its reason recorded, the error streak reset', () => {
    const e = engineIn('paused');
    expect(e.context().pause).toEqual({ kind: 'operator', resumeTo: 'observing' });
    expect(e.context().reason).toBe('paused by alice: looking at logs');
    const resumed = e.send(op('RESUME', T0 + 10 * MIN, 'logs fine'));
    expect(resumed.accepted).toBe(true);
    expect(e.state()).toBe('running.observing');
    expect(e.context()).toMatchObject({ pause: null, reason: 'resumed by alice: logs fine' });
    expect(e.context().counters.errors).toBe(0);
  });

  it('provider errors pause with kind `errors`; resuming re-arms the streak from zero', () => {
    const e = RolloutEngine.create(makeRollout({ policy: { maxConsecutiveErrors: 2 } }));
    e.send(tick(T0, {}));
    e.send({ type: 'TOGGLE_APPLIED', now: T0, state: toggleAt(10) });
    const errors = { error_rate: PROVIDER_ERROR, sent: PROVIDER_ERROR };
    e.send(tick(T0 + 5 * MIN, errors, toggleAt(10)));
    const paused = e.send(tick(T0 + 10 * MIN, errors, toggleAt(10)));
    expect(paused.notices.map((n) => n.type)).toContain('paused');
    expect(e.context().pause).toEqual({ kind: 'errors', resumeTo: 'observing' });
    expect(e.context().counters.errors).toBe(2);
    e.send(op('RESUME', T0 + 15 * MIN));
    expect([e.state(), e.context().counters.errors]).toEqual(['running.observing', 0]);
  });

  it('a pause while a write is pending resumes by re-applying it', () => {
    const e = engineIn('running.applying');
    e.send(op('PAUSE', T0 + MIN));
    expect(e.context().pause).toEqual({ kind: 'operator', resumeTo: 'reapply' });
    e.send(op('RESUME', T0 + 2 * MIN));
    expect(e.state()).toBe('running.applying');
    expect(e.context().reason).toBe('resumed by alice: re-applying 10%');
    expect(e.writeDue(T0 + 2 * MIN)).toMatchObject({ action: 'set', percent: 10 });
  });
});
