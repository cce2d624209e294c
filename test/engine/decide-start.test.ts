import { describe, expect, it } from 'vitest';
import { ZERO_COUNTERS, type DecideInput } from '../../src/engine/decide.js';
import { advanceDuringGate, beforeStart } from '../../src/engine/decide-start.js';
import type { Rollout } from '../../src/rollout/types.js';
import { HOUR, T0, decideInput, healthy, makeRollout, stage } from './rollout-factory.js';

/*
 * decide-start.ts: the advanceDuring gate, and the decision before the first
 * stage (start, feature, advanceDuring, approval). Cases moved from
 * decide.test.ts call beforeStart directly.
 */

const WEEKDAYS = { days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const, startMinute: 540, endMinute: 1020 };
const SATURDAY_NOON = Date.parse('2025-06-21T16:00:00Z');

function input(o: Partial<DecideInput> = {}, rollout: Rollout = makeRollout()): DecideInput {
  return decideInput(rollout, { measurements: healthy(), ...o });
}

describe('before the first stage', () => {
  it.each<[string, Partial<Rollout['start']> & Rollout['start'], boolean, string, boolean]>([
    ['immediately', { kind: 'immediately' }, false, 'advance', false],
    ['at a time not reached', { kind: 'at', at: T0 + HOUR }, false, 'hold', false],
    ['at a time reached', { kind: 'at', at: T0 - HOUR }, false, 'advance', false],
    ['manual, not approved', { kind: 'manual' }, false, 'hold', true],
    ['manual, approved', { kind: 'manual' }, true, 'advance', false],
  ])('start %s', (_name, start, approved, action, awaiting) => {
    const d = beforeStart(
      input({ stageIndex: -1, stageStartedAt: null, now: T0, approved }, makeRollout({ start })),
    );
    expect(d).toMatchObject({ action, awaitingApproval: awaiting, stageIndex: -1 });
    if (action === 'advance') expect(d.targetStage).toBe(0);
  });

  it('says when a timed start will happen', () => {
    const d = beforeStart(
      input({ stageIndex: -1, now: T0 }, makeRollout({ start: { kind: 'at', at: T0 + HOUR } })),
    );
    expect(d.reasons).toEqual(['starts at 2025-06-17T14:00:00.000Z']);
  });

  it('a first stage with approval waits for it; the advance window applies to the start', () => {
    const approvalFirst = makeRollout({
      stages: [stage('canary', 10, { approval: true }), stage('full', 100)],
    });
    expect(beforeStart(input({ stageIndex: -1, now: T0 }, approvalFirst))).toMatchObject({
      action: 'hold',
      awaitingApproval: true,
      reasons: ['canary requires approval, waiting for approve'],
    });
    const weekend = beforeStart(
      input({ stageIndex: -1, now: SATURDAY_NOON }, makeRollout({ advanceDuring: WEEKDAYS })),
    );
    expect(weekend.action).toBe('hold');
    expect(weekend.gates.find((g) => g.gate === 'advanceDuring')?.open).toBe(false);
  });
});

describe('advanceDuringGate', () => {
  it.each<[string, Rollout, number, boolean, string]>([
    ['no window', makeRollout(), SATURDAY_NOON, true, 'no advanceDuring window'],
    [
      'inside the window',
      makeRollout({ advanceDuring: WEEKDAYS }),
      T0 + HOUR,
      true,
      'inside advanceDuring (tue 10:00 America/New_York)',
    ],
    [
      'outside the window',
      makeRollout({ advanceDuring: WEEKDAYS }),
      SATURDAY_NOON,
      false,
      'outside advanceDuring mon,tue,wed,thu,fri 09:00-17:00 (sat 12:00 America/New_York)',
    ],
    [
      'its end is excluded',
      makeRollout({ advanceDuring: WEEKDAYS }),
      T0 + 8 * HOUR,
      false,
      'outside advanceDuring mon,tue,wed,thu,fri 09:00-17:00 (tue 17:00 America/New_York)',
    ],
    [
      'read in the rollout’s timezone',
      makeRollout({ advanceDuring: WEEKDAYS, timezone: 'Europe/Berlin' }),
      T0,
      true,
      'inside advanceDuring (tue 15:00 Europe/Berlin)',
    ],
  ])('%s', (_name, rollout, now, open, detail) => {
    expect(advanceDuringGate(input({ now }, rollout))).toEqual({ gate: 'advanceDuring', open, detail });
  });
});

describe('beforeStart: the decision it carries', () => {
  it('lists its gates in order and starts the first stage when all are open', () => {
    const approvalFirst = makeRollout({
      stages: [stage('canary', 10, { approval: true }), stage('full', 100)],
    });
    const counters = { ...ZERO_COUNTERS, errors: 2 };
    const d = beforeStart(input({ stageIndex: -1, now: T0, approved: true, counters }, approvalFirst));
    expect(d.gates.map((g) => [g.gate, g.open])).toEqual([
      ['start', true],
      ['advanceDuring', true],
      ['approval', true],
    ]);
    expect(d).toMatchObject({
      at: T0,
      action: 'advance',
      cause: null,
      targetStage: 0,
      reasons: ['starting canary (10%)'],
      results: [],
      samples: null,
    });
    // nothing was judged: the counters pass through untouched
    expect(d.nextCounters).toBe(counters);
  });

  it('a missing feature holds the start, and is not an approval to wait for', () => {
    const d = beforeStart(
      input({ stageIndex: -1, now: T0, featureMissing: 'feature test_feature does not exist' }),
    );
    expect(d).toMatchObject({
      action: 'hold',
      targetStage: null,
      awaitingApproval: false,
      reasons: ['feature test_feature does not exist'],
    });
  });

  it('manual start outside the window: every closed gate is a reason, and it is not only approval', () => {
    const manual = makeRollout({ start: { kind: 'manual' }, advanceDuring: WEEKDAYS });
    const d = beforeStart(input({ stageIndex: -1, now: SATURDAY_NOON }, manual));
    expect(d.awaitingApproval).toBe(false);
    expect(d.reasons).toEqual([
      'start: manual, waiting for approve',
      'outside advanceDuring mon,tue,wed,thu,fri 09:00-17:00 (sat 12:00 America/New_York)',
    ]);
  });

  it('a timed start says when it was reached', () => {
    const at = makeRollout({ start: { kind: 'at', at: T0 - HOUR } });
    const d = beforeStart(input({ stageIndex: -1, now: T0 }, at));
    expect(d.gates[0]).toEqual({
      gate: 'start',
      open: true,
      detail: 'start time 2025-06-17T12:00:00.000Z reached',
    });
  });
});
