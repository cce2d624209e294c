import { describe, expect, it } from 'vitest';
import { initialContext, type EngineEvent, type EngineStateName } from '../../src/engine/context.js';
import { guardsFor } from '../../src/engine/machine-guards.js';
import { createKit, type Args, type Ctx } from '../../src/engine/machine-kit.js';
import type { Rollout } from '../../src/rollout/types.js';
import { READY_AT, approvalRollout, engineIn, op, tick } from './engine-helpers.js';
import { HOUR, MIN, NO_DATA, T0, breaching, makeRollout, stage, toggleAt, value } from './rollout-factory.js';

/*
 * machine-guards.ts: each named guard on contexts reached through the real
 * machine (engine-helpers.ts), changed field by field where one field is the
 * point.
 */

function guards(rollout: Rollout) {
  return guardsFor(createKit(rollout));
}

function ctxIn(state: EngineStateName, rollout: Rollout): Ctx {
  return engineIn(state, rollout).context();
}

const applied = (percent: number, intentId?: string): EngineEvent => ({
  type: 'TOGGLE_APPLIED',
  now: T0,
  state: toggleAt(percent),
  ...(intentId !== undefined && { intentId }),
});

describe('the TICK guards ask one decision', () => {
  const plain = makeRollout({ rollback: ['error_rate > 5%'], policy: { noData: 'pause' } });
  const g = guards(plain);
  const context = ctxIn('running.observing', plain);
  type Must = 'mustRollBack' | 'mustPause' | 'mustAdvance' | 'mustComplete';
  const MUSTS: Must[] = ['mustRollBack', 'mustPause', 'mustAdvance', 'mustComplete'];

  it.each<[string, EngineEvent, Must | null]>([
    ['healthy and ready', tick(READY_AT), 'mustAdvance'],
    ['a breach', tick(READY_AT, breaching()), 'mustRollBack'],
    ['no data with noData: pause', tick(READY_AT, { error_rate: NO_DATA, sent: value(10) }), 'mustPause'],
    ['healthy, too early', tick(T0 + 10 * MIN), null],
    ['not a TICK', op('PAUSE', READY_AT), null],
  ])('%s → %s', (_name, event, which) => {
    const a: Args = { context, event };
    expect(MUSTS.filter((m) => g[m](a))).toEqual(which === null ? [] : [which]);
  });

  it('mustComplete on the last stage; lastStageEnables and mustCompleteByEnabling only with onComplete: enable', () => {
    const stages = [stage('canary', 10), stage('full', 100)];
    const keep = makeRollout({ stages });
    const enable = makeRollout({ stages, toggle: { onComplete: 'enable' } });
    for (const [r, enables] of [
      [keep, false],
      [enable, true],
    ] as const) {
      const gr = guards(r);
      // observing the last stage, an hour in (engineIn enters canary at T0; only the index is moved on)
      const last = { ...ctxIn('running.observing', r), stageIndex: 1, stageName: 'full' };
      const a: Args = { context: last, event: tick(READY_AT, undefined, toggleAt(10)) };
      expect(gr.mustComplete(a)).toBe(true);
      expect(gr.mustAdvance(a)).toBe(false);
      expect(gr.atLastStage(a)).toBe(true);
      expect(gr.enablesOnComplete()).toBe(enables);
      expect(gr.lastStageEnables(a)).toBe(enables);
      expect(gr.mustCompleteByEnabling(a)).toBe(enables);
    }
    expect(guards(plain).atLastStage({ context, event: tick(READY_AT) })).toBe(false);
  });
});

describe('drifted', () => {
  const r = makeRollout();
  const g = guards(r);
  const context = ctxIn('running.observing', r);
  it.each<[string, EngineEvent, boolean]>([
    ['the toggle as applied', tick(READY_AT, undefined, toggleAt(10)), false],
    ['changed by hand', tick(READY_AT, undefined, toggleAt(30)), true],
    ['not read this check', tick(READY_AT, undefined, null), false],
    ['not a TICK', op('RESUME', READY_AT), false],
  ])('%s → %s', (_name, event, drifted) => {
    expect(g.drifted({ context, event })).toBe(drifted);
  });
});

describe('approvals', () => {
  const r = approvalRollout();
  const g = guards(r);

  it('waitsForApproval, firstWaitForApproval until the request went out, approvalRequested', () => {
    const observing = ctxIn('running.observing', r);
    const a: Args = { context: observing, event: tick(READY_AT) };
    expect(g.waitsForApproval(a)).toBe(true);
    expect(g.mustAdvance(a)).toBe(false);
    expect(g.firstWaitForApproval(a)).toBe(true);
    const asked: Args = { context: { ...observing, approvalRequested: true }, event: tick(READY_AT) };
    expect(g.approvalRequested(asked)).toBe(true);
    expect(g.firstWaitForApproval(asked)).toBe(false);
    expect(g.waitsForApproval({ context: observing, event: op('APPROVE', READY_AT) })).toBe(false);
  });

  it('approvalStillValid: the latest check of this stage supports advancing but for approval and the window', () => {
    const waiting = ctxIn('running.awaitingApproval', r);
    const ev = op('APPROVE', READY_AT);
    expect(g.approvalStillValid({ context: waiting, event: ev })).toBe(true);
    const d = waiting.lastDecision;
    if (!d) throw new Error('no decision');
    const withGate = (gate: string, open: boolean): Ctx => ({
      ...waiting,
      lastDecision: { ...d, gates: [...d.gates, { gate: gate as 'criteria', open, detail: '' }] },
    });
    expect(g.approvalStillValid({ context: withGate('advanceDuring', false), event: ev })).toBe(true);
    expect(g.approvalStillValid({ context: withGate('criteria', false), event: ev })).toBe(false);
    expect(g.approvalStillValid({ context: { ...waiting, lastDecision: null }, event: ev })).toBe(false);
    expect(g.approvalStillValid({ context: { ...waiting, stageIndex: 1 }, event: ev })).toBe(false);
  });

  it.each<[string, Rollout, boolean]>([
    ['immediately', makeRollout(), false],
    ['manual', makeRollout({ start: { kind: 'manual' } }), true],
    ['a first stage with approval', makeRollout({ stages: [stage('canary', 10, { approval: true })] }), true],
  ])('startApprovable: %s → %s', (_name, rollout, ok) => {
    expect(guards(rollout).startApprovable()).toBe(ok);
  });
});

describe('writes', () => {
  const r = makeRollout();
  const g = guards(r);
  const applying = ctxIn('running.applying', r);
  const id = applying.intent?.id ?? '';

  it('the write in flight is test-rollout#1 for 10%', () => {
    expect(applying.intent).toMatchObject({ id: 'test-rollout#1', percent: 10 });
  });

  it.each<[string, Ctx, EngineEvent, boolean]>([
    ['a report on the intent in flight', applying, applied(10, id), false],
    ['a report without an id', applying, applied(10), false],
    ['a report on another intent', applying, applied(10, 'test-rollout#0'), true],
    ['a report with nothing in flight', { ...applying, intent: null }, applied(10, id), true],
    [
      'a failure on another intent',
      applying,
      { type: 'TOGGLE_FAILED', now: T0, error: 'x', intentId: 'o' },
      true,
    ],
    ['not a report', applying, tick(T0), false],
  ])('staleReport: %s → %s', (_name, context, event, stale) => {
    expect(g.staleReport({ context, event })).toBe(stale);
  });

  it.each<[number, boolean]>([
    [10, true],
    [10.0000001, true],
    [10.001, false],
    [0, false],
  ])('writeTookEffect when the toggle reads %s%% → %s', (percent, ok) => {
    expect(g.writeTookEffect({ context: applying, event: applied(percent) })).toBe(ok);
  });

  it('writeTookEffect needs a reported state; completionTookEffect also a completing write', () => {
    expect(
      g.writeTookEffect({ context: applying, event: { type: 'TOGGLE_FAILED', now: T0, error: 'x' } }),
    ).toBe(false);
    expect(g.writeCompletes({ context: applying, event: applied(10) })).toBe(false);
    expect(g.completionTookEffect({ context: applying, event: applied(10) })).toBe(false);
    const completing: Ctx = {
      ...applying,
      write: { purpose: 'complete', stageIndex: 2, stageName: 'full', why: 'done' },
      intent: { id: 'x', action: 'enable', percent: 100, gate: 'percentage_of_actors', at: T0 },
    };
    expect(g.completionTookEffect({ context: completing, event: applied(100) })).toBe(true);
    expect(g.completionTookEffect({ context: completing, event: applied(50) })).toBe(false);
  });

  it.each<[number, boolean]>([
    [0, false],
    [1, false],
    [2, true],
    [5, true],
  ])('writeRetriesExhausted after %s earlier failures (maxConsecutiveErrors 3) → %s', (attempts, done) => {
    expect(g.writeRetriesExhausted({ context: { ...applying, attempts }, event: applied(0) })).toBe(done);
  });

  it('writeFailedBefore: a failed attempt and an intent still to write', () => {
    const ev = op('RETRY', T0);
    expect(g.writeFailedBefore({ context: applying, event: ev })).toBe(false);
    expect(g.writeFailedBefore({ context: { ...applying, attempts: 1 }, event: ev })).toBe(true);
    expect(g.writeFailedBefore({ context: { ...applying, attempts: 1, intent: null }, event: ev })).toBe(
      false,
    );
  });
});

describe('pauses', () => {
  const r = makeRollout();
  const g = guards(r);
  const ev = op('RESUME', T0 + HOUR);
  it.each<[string, Ctx, Record<string, boolean>]>([
    [
      'paused by an operator while running',
      ctxIn('paused', r),
      {
        pausedForDrift: false,
        pausedBeforeStart: false,
        resumesToPending: false,
        resumesByReapplying: false,
      },
    ],
    [
      'paused before the start',
      { ...initialContext(), pause: { kind: 'operator', resumeTo: 'pending' } },
      { pausedForDrift: false, pausedBeforeStart: true, resumesToPending: true, resumesByReapplying: false },
    ],
    [
      'paused for drift',
      { ...initialContext(), pause: { kind: 'drift', resumeTo: 'reapply' } },
      { pausedForDrift: true, pausedBeforeStart: false, resumesToPending: false, resumesByReapplying: true },
    ],
    [
      'not paused',
      initialContext(),
      {
        pausedForDrift: false,
        pausedBeforeStart: false,
        resumesToPending: false,
        resumesByReapplying: false,
      },
    ],
  ])('%s', (_name, context, expected) => {
    const names = Object.keys(expected) as (keyof typeof expected & keyof typeof g)[];
    const actual = Object.fromEntries(
      names.map((n) => [n, (g[n] as (a: Args) => boolean)({ context, event: ev })]),
    );
    expect(actual).toEqual(expected);
  });
});
