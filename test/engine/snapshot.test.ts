import { describe, expect, it } from 'vitest';
import { MACHINE_VERSION, type EngineEvent } from '../../src/engine/context.js';
import { RolloutEngine } from '../../src/engine/rollout-engine.js';
import { StagegateError } from '../../src/errors.js';
import { HOUR, MIN, T0, breaching, healthy, makeRollout, stage, toggleAt } from './rollout-factory.js';
import { approvalRollout, engineIn, op, tick } from './engine-helpers.js';

function roundTrip(engine: RolloutEngine, rollout = engine.rollout): RolloutEngine {
  return RolloutEngine.create(rollout, JSON.parse(JSON.stringify(engine.persisted())));
}

function refusal(persisted: unknown, rollout = approvalRollout()): string {
  try {
    RolloutEngine.create(rollout, persisted);
  } catch (err) {
    expect(err).toBeInstanceOf(StagegateError);
    expect((err as StagegateError).code).toBe('E_SNAPSHOT_INVALID');
    return (err as StagegateError).message;
  }
  throw new Error('restored');
}

const SCRIPT: EngineEvent[] = [
  tick(T0, {}),
  { type: 'TOGGLE_APPLIED', now: T0, state: toggleAt(10) },
  tick(T0 + 5 * MIN, breaching(), toggleAt(10)),
  tick(T0 + HOUR, healthy(), toggleAt(10)),
  op('APPROVE', T0 + HOUR + MIN, 'ok'),
  { type: 'TOGGLE_FAILED', now: T0 + HOUR + MIN, error: 'HTTP 502' },
  { type: 'TOGGLE_APPLIED', now: T0 + HOUR + 2 * MIN, state: toggleAt(50) },
  tick(T0 + HOUR + 10 * MIN, breaching(), toggleAt(50)),
  op('PAUSE', T0 + HOUR + 11 * MIN),
  tick(T0 + HOUR + 15 * MIN, breaching(), toggleAt(50)),
  { type: 'TOGGLE_FAILED', now: T0 + HOUR + 15 * MIN, error: 'HTTP 503' },
  op('RETRY', T0 + HOUR + 16 * MIN),
  { type: 'TOGGLE_APPLIED', now: T0 + HOUR + 16 * MIN, state: toggleAt(0) },
  op('RETRY', T0 + 2 * HOUR),
];

describe('persisted snapshots', () => {
  it('are plain, versioned JSON', () => {
    const engine = engineIn('running.awaitingApproval');
    const persisted = engine.persisted();
    expect(JSON.parse(JSON.stringify(persisted))).toEqual(persisted);
    expect(persisted).toMatchObject({
      machineVersion: MACHINE_VERSION,
      rollout: 'test-rollout',
      state: 'running.awaitingApproval',
    });
  });

  it('restore to an engine that behaves exactly like the live one, at every step of a rollout', () => {
    const live = RolloutEngine.create(approvalRollout());
    for (const [i, event] of SCRIPT.entries()) {
      const restored = roundTrip(live);
      expect(restored.persisted(), `before event ${i}`).toEqual(live.persisted());
      const a = live.send(event);
      const b = restored.send(event);
      expect(b, `event ${i} (${event.type})`).toEqual(a);
      expect(restored.persisted()).toEqual(live.persisted());
    }
    expect(live.state()).toBe('pending');
  });
});

describe('snapshots that cannot be restored are refused with E_SNAPSHOT_INVALID', () => {
  const good = (): Record<string, unknown> => ({ ...engineIn('running.observing').persisted() });

  it.each<[string, () => unknown, string]>([
    [
      'a machine version from a newer stagegate',
      () => ({ ...good(), machineVersion: MACHINE_VERSION + 1 }),
      `machine version ${MACHINE_VERSION + 1} is not one this stagegate reads (${MACHINE_VERSION} and older)`,
    ],
    [
      'a state that does not exist',
      () => ({ ...good(), state: 'running.canarying' }),
      'names state "running.canarying", which does not exist',
    ],
    [
      'another rollout’s snapshot',
      () => ({ ...good(), rollout: 'other' }),
      'the snapshot belongs to rollout other',
    ],
    [
      'a damaged context',
      () => ({ ...good(), context: { ...(good().context as object), appliedPercent: 'ten' } }),
      'its context is damaged (appliedPercent:',
    ],
    ['not a snapshot at all', () => 'running', 'not a stagegate snapshot'],
  ])('%s', (_name, make, message) => {
    const text = refusal(make());
    expect(text).toContain('cannot restore the state of rollout test-rollout');
    expect(text).toContain(message);
  });
});

describe('restoring into a changed spec', () => {
  it('finds the current stage by name when stages were inserted before it', () => {
    const engine = engineIn('running.observing', makeRollout());
    const changed = makeRollout({
      stages: [stage('pilot', 1), stage('canary', 10), stage('half', 50), stage('full', 100)],
    });
    const restored = roundTrip(engine, changed);
    expect(restored.summary()).toMatchObject({ stage: 'canary', stageIndex: 1, percent: 10 });
    restored.send(tick(T0 + HOUR, healthy(), toggleAt(10)));
    expect(restored.intent()).toMatchObject({ percent: 50 });
  });

  it('a renamed current stage clamps to the highest stage not above the applied percent', () => {
    const engine = engineIn('running.observing', makeRollout());
    const changed = makeRollout({ stages: [stage('first', 5), stage('second', 20), stage('full', 100)] });
    expect(roundTrip(engine, changed).summary()).toMatchObject({
      stage: 'first',
      stageIndex: 0,
      percent: 10,
    });
  });

  it('drops counters of criteria that are gone and keeps the rest', () => {
    const rollout = makeRollout({ rollback: ['error_rate > 5% for 3 checks', 'error_rate > 20%'] });
    const engine = engineIn('running.observing', rollout);
    engine.send(tick(T0 + 5 * MIN, breaching(), toggleAt(10)));
    expect(Object.keys(engine.context().counters.breaches).sort()).toEqual([
      'error_rate > 20%',
      'error_rate > 5% for 3 checks',
    ]);
    const changed = makeRollout({ rollback: ['error_rate > 5% for 3 checks'] });
    expect(roundTrip(engine, changed).context().counters.breaches).toEqual({
      'error_rate > 5% for 3 checks': 1,
    });
  });

  it('a write in flight keeps its intent; its target follows the stage name', () => {
    const engine = engineIn('running.observing', makeRollout());
    engine.send(op('PROMOTE', T0 + MIN));
    const intent = engine.intent();
    const changed = makeRollout({
      stages: [stage('canary', 10), stage('quarter', 25), stage('half', 50), stage('full', 100)],
    });
    const restored = roundTrip(engine, changed);
    expect(restored.intent()).toEqual(intent);
    restored.send({ type: 'TOGGLE_APPLIED', now: T0 + MIN, state: toggleAt(50) });
    expect(restored.summary()).toMatchObject({ stage: 'half', stageIndex: 2, percent: 50 });
  });

  it('a removed maxStageDuration clears the deadline', () => {
    const engine = engineIn('running.observing', makeRollout({ policy: { maxStageDurationMs: HOUR } }));
    expect(engine.context().stageDeadline).toBe(T0 + HOUR);
    expect(roundTrip(engine, makeRollout()).context().stageDeadline).toBeNull();
  });
});
