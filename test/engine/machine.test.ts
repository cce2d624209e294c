import { describe, expect, it } from 'vitest';
import { RolloutEngine } from '../../src/engine/rollout-engine.js';
import type { EngineEvent } from '../../src/engine/context.js';
import type { RolloutEventType } from '../../src/ports/notifier.js';
import type { ToggleState } from '../../src/ports/toggle-provider.js';
import { toggleState } from '../../src/providers/toggles/toggle-state.js';
import {
  HOUR,
  MIN,
  NO_DATA,
  PROVIDER_ERROR,
  T0,
  breaching,
  healthy,
  makeRollout,
  ratio,
  stage,
  toggleAt,
  value,
} from './rollout-factory.js';
import { READY_AT, applyDue, approvalRollout, engineIn, op, stateAfter, tick } from './engine-helpers.js';

function noticeTypes(
  engine: RolloutEngine,
  events: Parameters<RolloutEngine['send']>[0][],
): RolloutEventType[] {
  return events.flatMap((e) => engine.send(e).notices.map((n) => n.type));
}

describe('a rollout from start to completion', () => {
  it('writes each stage as an intent, enters it when the write lands, and completes', () => {
    const engine = RolloutEngine.create(makeRollout());
    const percents: number[] = [];
    const notices: RolloutEventType[] = [];
    let now = T0;
    for (let i = 0; i < 60 && engine.state() !== 'completed'; i++) {
      const step = engine.send(tick(now, healthy(), toggleAt(engine.context().appliedPercent)));
      notices.push(...step.notices.map((n) => n.type));
      const intent = engine.writeDue(now);
      if (intent) {
        percents.push(intent.percent);
        notices.push(
          ...engine
            .send({ type: 'TOGGLE_APPLIED', now, state: stateAfter(intent), intentId: intent.id })
            .notices.map((n) => n.type),
        );
      }
      now += 15 * MIN;
    }
    expect(engine.state()).toBe('completed');
    expect(percents).toEqual([10, 50, 100]);
    expect(notices).toEqual(['started', 'advanced', 'advanced', 'completed']);
    expect(engine.summary()).toEqual({
      state: 'completed',
      stage: 'full',
      stageIndex: 2,
      percent: 100,
      reason: null,
      lastCheck: T0 + 12 * 15 * MIN,
    });
    expect(engine.intent()).toBeNull();
  });

  it('intents are absolute, idempotent writes with stable ids', () => {
    const engine = RolloutEngine.create(makeRollout());
    engine.send(tick(T0, {}));
    expect(engine.intent()).toEqual({
      id: 'test-rollout#1',
      action: 'set',
      percent: 10,
      gate: 'percentage_of_actors',
      at: T0,
    });
    expect(engine.writeDue(T0)).toEqual(engine.intent());
  });

  it('onComplete: enable turns the boolean gate on before completing', () => {
    const engine = RolloutEngine.create(
      makeRollout({ toggle: { onComplete: 'enable' }, stages: [stage('only', 100)] }),
    );
    engine.send(tick(T0, {}));
    applyDue(engine, T0);
    engine.send(tick(T0 + HOUR, healthy(), toggleAt(100)));
    expect(engine.state()).toBe('running.applying');
    expect(engine.intent()).toMatchObject({ action: 'enable', percent: 100 });
    const done = engine.send({
      type: 'TOGGLE_APPLIED',
      now: T0 + HOUR,
      state: { ...toggleAt(100), enabled: true },
    });
    expect(engine.state()).toBe('completed');
    expect(done.notices.map((n) => n.type)).toEqual(['completed']);
  });
});

describe('drift: the controller never fights a human', () => {
  it('pauses with reason drift when the toggle differs from what was applied', () => {
    const engine = engineIn('running.observing');
    const step = engine.send(tick(T0 + 10 * MIN, healthy(), toggleAt(30)));
    expect(engine.state()).toBe('paused');
    expect(step.notices.map((n) => n.type)).toEqual(['drift']);
    expect(engine.summary().reason).toBe(
      'drift: percentage_of_actors is 30% (stagegate set 10%); paused (resume re-applies 10%)',
    );
    expect(engine.intent()).toBeNull();
  });

  it.each<[string, Partial<ToggleState>, string | null]>([
    [
      'a percentage_of_time set by hand',
      { percentageOfTime: 5 },
      'drift: percentage_of_time is 5% (stagegate set 0%); paused (resume re-applies 10%)',
    ],
    [
      'an expression set by hand',
      { expression: '{"Equal":[1,1]}' },
      'drift: expression is {"Equal":[1,1]} (stagegate set unset); paused (resume re-applies 10%)',
    ],
    ['testers added to the actors allow-list (UAT: the team owns it)', { actors: ['User;42'] }, null],
  ])('exposure, not one gate: %s', (_name, change, reason) => {
    const engine = engineIn('running.observing');
    engine.send(tick(T0 + 10 * MIN, healthy(), toggleState({ ...toggleAt(10), ...change })));
    expect(engine.state()).toBe(reason === null ? 'running.observing' : 'paused');
    expect(reason === null ? null : engine.summary().reason).toBe(reason);
  });

  it('never writes the percent back, but a breach still turns a drift-paused toggle off', () => {
    const engine = engineIn('running.observing');
    engine.send(tick(T0 + 10 * MIN, healthy(), toggleAt(30)));
    expect(engine.state()).toBe('paused');
    expect(engine.wantsMeasurements()).toBe(true);
    engine.send(tick(T0 + 15 * MIN, healthy(), toggleAt(30)));
    expect(engine.state()).toBe('paused');
    expect(engine.intent()).toBeNull();
    // each check brings 500 new observations at 20% errors: the detector's evidence
    for (let i = 1; i <= 4 && engine.state() === 'paused'; i++) {
      const now = T0 + (15 + i * 5) * MIN;
      engine.send({
        ...tick(now, breaching(), toggleAt(30)),
        increments: { error_rate: { from: now - 5 * MIN, to: now, events: 100, trials: 500 } },
      } as EngineEvent);
    }
    expect(engine.state()).toBe('rollingBack');
    expect(engine.intent()).toMatchObject({ action: 'disable', percent: 0 });
  });

  it('RESUME re-applies the stage percent and restarts the stage clock', () => {
    const engine = engineIn('running.observing');
    engine.send(tick(T0 + 10 * MIN, healthy(), toggleAt(30)));
    engine.send(op('RESUME', T0 + 30 * MIN, 'put it back'));
    expect(engine.state()).toBe('running.applying');
    expect(engine.intent()).toMatchObject({ action: 'set', percent: 10 });
    const landed = engine.send({ type: 'TOGGLE_APPLIED', now: T0 + 30 * MIN, state: toggleAt(10) });
    expect(landed.notices).toEqual([]);
    expect(engine.state()).toBe('running.observing');
    expect(engine.stageStartedAt()).toBe(T0 + 30 * MIN);
  });

  it('an unreadable toggle is not drift', () => {
    const engine = engineIn('running.observing');
    engine.send(tick(T0 + 10 * MIN, healthy(), null));
    expect(engine.state()).toBe('running.observing');
  });

  it('a feature that disappeared is drift', () => {
    const engine = engineIn('running.observing');
    engine.send(tick(T0 + 10 * MIN, healthy(), { ...toggleAt(10), exists: false }));
    expect(engine.context().pause?.kind).toBe('drift');
  });
});

describe('a failed rollback is retried until it lands', () => {
  it('keeps retrying with backoff and raises rollback_failed on every failure', () => {
    const engine = engineIn('rollingBack');
    const now = T0 + 5 * MIN;
    const retryAts: (number | null)[] = [];
    const notices: RolloutEventType[] = [];
    for (let i = 0; i < 5; i++) {
      notices.push(
        ...engine.send({ type: 'TOGGLE_FAILED', now, error: 'HTTP 503' }).notices.map((n) => n.type),
      );
      retryAts.push(engine.retryAt());
    }
    expect(engine.state()).toBe('rollingBack');
    expect(notices).toEqual(Array(5).fill('rollback_failed'));
    expect(retryAts.map((t) => (t === null ? null : (t - now) / 1000))).toEqual([15, 30, 60, 120, 240]);
    expect(engine.writeDue(now)).toBeNull();
    expect(engine.writeDue(now + 240_000)).toMatchObject({ action: 'disable', percent: 0, mode: 'zero' });
  });

  it('RETRY makes the next attempt due now', () => {
    const engine = engineIn('rollingBack');
    engine.send({ type: 'TOGGLE_FAILED', now: T0 + 5 * MIN, error: 'HTTP 503' });
    engine.send(op('RETRY', T0 + 6 * MIN));
    expect(engine.writeDue(T0 + 6 * MIN)).not.toBeNull();
  });

  it('a toggle that still reaches users after the write is a failure, not a rollback', () => {
    const engine = engineIn('rollingBack');
    const step = engine.send({
      type: 'TOGGLE_APPLIED',
      now: T0 + 5 * MIN,
      state: { ...toggleAt(0), enabled: true },
    });
    expect(engine.state()).toBe('rollingBack');
    expect(step.notices[0]?.reason).toMatch(/^rollback attempt 1 failed: toggle reads 100% after writing 0%/);
    const done = engine.send({ type: 'TOGGLE_APPLIED', now: T0 + 6 * MIN, state: toggleAt(0) });
    expect(engine.state()).toBe('rolledBack');
    expect(done.notices.map((n) => [n.type, n.reason, n.percent])).toEqual([
      ['rolled_back', 'aborted by alice: bad emails', 0],
    ]);
  });
});

describe('forward writes', () => {
  it('retry with backoff, then pause after maxConsecutiveErrors failures; RESUME tries again', () => {
    const engine = engineIn('running.applying');
    engine.send({ type: 'TOGGLE_FAILED', now: T0, error: 'HTTP 502' });
    engine.send({ type: 'TOGGLE_FAILED', now: T0 + MIN, error: 'HTTP 502' });
    expect(engine.state()).toBe('running.applying');
    const third = engine.send({ type: 'TOGGLE_FAILED', now: T0 + 2 * MIN, error: 'HTTP 502' });
    expect(engine.state()).toBe('paused');
    expect(third.notices.map((n) => [n.type, n.reason])).toEqual([
      ['paused', 'toggle write failed 3 times: HTTP 502'],
    ]);
    engine.send(op('RESUME', T0 + 10 * MIN));
    expect(engine.state()).toBe('running.applying');
    expect(engine.intent()).toMatchObject({ id: 'test-rollout#2', percent: 10 });
  });

  it('a report on an older intent is ignored', () => {
    const engine = engineIn('running.applying');
    engine.send({ type: 'TOGGLE_APPLIED', now: T0, state: toggleAt(10), intentId: 'test-rollout#0' });
    expect(engine.state()).toBe('running.applying');
  });

  it('a breach while the next stage is being written rolls back instead', () => {
    const engine = engineIn('running.observing', makeRollout({ rollback: ['error_rate > 5%'] }));
    engine.send(op('PROMOTE', T0 + 10 * MIN));
    const forward = engine.intent();
    engine.send(tick(T0 + 15 * MIN, breaching(), toggleAt(10)));
    expect(engine.state()).toBe('rollingBack');
    engine.send({ type: 'TOGGLE_APPLIED', now: T0 + 15 * MIN, state: toggleAt(50), intentId: forward?.id });
    expect(engine.state()).toBe('rollingBack');
  });
});

describe('approvals', () => {
  it('asks once, and approval moves to the next stage', () => {
    const engine = engineIn('running.observing');
    const first = engine.send(tick(READY_AT, healthy(), toggleAt(10)));
    expect(first.notices.map((n) => [n.type, n.reason])).toEqual([
      ['awaiting_approval', 'half requires approval, waiting for approve'],
    ]);
    expect(engine.send(tick(READY_AT + 5 * MIN, healthy(), toggleAt(10))).notices).toEqual([]);
    expect(engine.summary()).toMatchObject({ state: 'awaiting_approval', stage: 'canary', percent: 10 });
    engine.send(op('APPROVE', READY_AT + 6 * MIN, 'numbers look good'));
    expect(engine.intent()).toMatchObject({ percent: 50 });
    const landed = engine.send({ type: 'TOGGLE_APPLIED', now: READY_AT + 6 * MIN, state: toggleAt(50) });
    expect(landed.notices.map((n) => [n.type, n.stage, n.percent, n.reason])).toEqual([
      ['advanced', 'half', 50, 'approved by alice: numbers look good: canary → half (50%)'],
    ]);
  });

  it('refuses an approval the latest check no longer supports', () => {
    const engine = engineIn('running.awaitingApproval');
    engine.send(tick(READY_AT + 5 * MIN, { error_rate: ratio(1, 30), sent: value(30) }, toggleAt(10)));
    expect(engine.state()).toBe('running.awaitingApproval');
    expect(engine.canAccept('APPROVE')).toEqual({
      ok: false,
      reason:
        'the latest check no longer supports advancing: error_rate 3.33% (0.0495–18.5%, 1/30) needs < 5%: inconclusive at 95%; half requires approval, waiting for approve',
    });
    engine.send(tick(READY_AT + 10 * MIN, healthy(), toggleAt(10)));
    expect(engine.canAccept('APPROVE')).toEqual({ ok: true });
  });

  it('a manual start waits in pending for APPROVE, notifying once', () => {
    const engine = RolloutEngine.create(makeRollout({ start: { kind: 'manual' } }));
    expect(noticeTypes(engine, [tick(T0), tick(T0 + 5 * MIN)])).toEqual(['awaiting_approval']);
    expect(engine.summary()).toMatchObject({
      state: 'pending',
      reason: 'start: manual, waiting for approve',
    });
    engine.send(op('APPROVE', T0 + 6 * MIN));
    expect(engine.state()).toBe('running.applying');
  });
});

describe('pauses and resumes', () => {
  it('maxStageDuration pauses with held_too_long; RESUME gives the stage a new deadline', () => {
    const rollout = makeRollout({ policy: { maxStageDurationMs: 2 * HOUR } });
    const engine = engineIn('running.observing', rollout);
    const stuck = { error_rate: ratio(1, 30), sent: value(30) };
    const step = engine.send(tick(T0 + 2 * HOUR, stuck, toggleAt(10)));
    expect(engine.state()).toBe('paused');
    expect(step.notices.map((n) => n.type)).toEqual(['held_too_long']);
    engine.send(op('RESUME', T0 + 3 * HOUR));
    expect(engine.context().stageDeadline).toBe(T0 + 5 * HOUR);
    engine.send(tick(T0 + 3 * HOUR + 5 * MIN, stuck, toggleAt(10)));
    expect(engine.state()).toBe('running.observing');
  });

  it('provider errors pause; RESUME starts counting again', () => {
    const engine = engineIn('running.observing');
    const errored = { error_rate: PROVIDER_ERROR, sent: value(10) };
    for (let i = 1; i <= 3; i++) engine.send(tick(T0 + i * 5 * MIN, errored, toggleAt(10)));
    expect(engine.context().pause?.kind).toBe('errors');
    engine.send(op('RESUME', T0 + HOUR));
    expect(engine.state()).toBe('running.observing');
    expect(engine.context().counters.errors).toBe(0);
  });

  it('policy.noData: pause pauses with reason', () => {
    const engine = engineIn('running.observing', makeRollout({ policy: { noData: 'pause' } }));
    engine.send(tick(T0 + 5 * MIN, { error_rate: NO_DATA, sent: value(0) }, toggleAt(10)));
    expect(engine.summary()).toMatchObject({
      state: 'paused',
      reason: 'no data for error_rate (policy.noData: pause)',
    });
  });

  it('a paused rollout is still protected: a sustained breach rolls it back', () => {
    const engine = engineIn('paused');
    engine.send(tick(T0 + 10 * MIN, breaching(), toggleAt(10)));
    expect(engine.state()).toBe('paused');
    engine.send(tick(T0 + 15 * MIN, breaching(), toggleAt(10)));
    expect(engine.state()).toBe('rollingBack');
    expect(engine.intent()).toMatchObject({ action: 'disable', mode: 'zero' });
  });
});

describe('operator commands', () => {
  it('RETRY after a rollback starts again from the first stage without asking again', () => {
    const engine = engineIn('rolledBack', makeRollout({ start: { kind: 'manual' } }));
    engine.send(op('RETRY', T0 + HOUR, 'fixed in 1.2.1'));
    expect(engine.summary()).toMatchObject({
      state: 'pending',
      reason: 'retried by alice: fixed in 1.2.1',
      percent: 0,
    });
    engine.send(tick(T0 + HOUR + 5 * MIN));
    expect(engine.intent()).toMatchObject({ percent: 10 });
  });

  it('PROMOTE skips the gates, and on the last stage completes', () => {
    const engine = engineIn(
      'running.observing',
      makeRollout({ stages: [stage('canary', 10), stage('full', 100)] }),
    );
    engine.send(op('PROMOTE', T0 + MIN, 'hotfix'));
    applyDue(engine, T0 + MIN);
    expect(engine.summary()).toMatchObject({ stage: 'full', percent: 100 });
    const done = engine.send(op('PROMOTE', T0 + 2 * MIN));
    expect(engine.state()).toBe('completed');
    expect(done.notices.map((n) => n.type)).toEqual(['completed']);
  });

  it('ABORT before the start touches no toggle', () => {
    const engine = RolloutEngine.create(makeRollout());
    engine.send(op('ABORT', T0, 'not this week'));
    expect(engine.summary()).toMatchObject({
      state: 'rolled_back',
      reason: 'aborted by alice: not this week (before start)',
    });
    expect(engine.intent()).toBeNull();
  });

  it('every step says what moved, for history', () => {
    const engine = engineIn('running.observing');
    const step = engine.send(op('PAUSE', T0 + 5 * MIN, 'checking'));
    expect(step.transitions).toEqual([
      {
        from: 'running',
        to: 'paused',
        fromState: 'running.observing',
        toState: 'paused',
        stage: 'canary',
        percent: 10,
        reason: 'paused by alice: checking',
      },
    ]);
    expect(step.decision).toBeNull();
  });
});

describe('what the runtime asks', () => {
  it('measures while running and paused, drift-paused too; not before the start or after the end', () => {
    expect(engineIn('pending').wantsMeasurements()).toBe(false);
    expect(engineIn('running.observing').wantsMeasurements()).toBe(true);
    expect(engineIn('paused').wantsMeasurements()).toBe(true);
    expect(engineIn('rolledBack').wantsMeasurements()).toBe(false);
    const drifted = engineIn('running.observing');
    drifted.send(tick(T0 + 5 * MIN, healthy(), toggleAt(99)));
    // a drift pause is still protected by the rollback criteria: it measures
    expect(drifted.wantsMeasurements()).toBe(true);
  });

  it('a TICK returns its decision', () => {
    const engine = engineIn('running.observing');
    const step = engine.send(tick(T0 + 5 * MIN, healthy(), toggleAt(10)));
    expect(step.decision?.action).toBe('hold');
    expect(step.decision?.reasons).toEqual([
      '5m of minDuration 1h in canary',
      'half requires approval, waiting for approve',
    ]);
    expect(engine.lastDecision()).toBe(step.decision);
  });

  it('a notice carries the readings of the check that caused it', () => {
    const engine = engineIn('running.observing', approvalRollout({ rollback: ['error_rate > 5%'] }));
    engine.send(tick(T0 + 5 * MIN, breaching(), toggleAt(10)));
    const done = engine.send({ type: 'TOGGLE_APPLIED', now: T0 + 5 * MIN, state: toggleAt(0) });
    expect(done.notices[0]?.readings).toEqual([
      {
        metric: 'error_rate',
        value: 0.2,
        interval: expect.any(Array),
        criteria: ['error_rate > 5%', 'error_rate < 5%'],
        verdict: 'breach/fail',
      },
    ]);
  });
});
