import { describe, expect, it } from 'vitest';
import type { RolloutEvent } from '../../src/ports/notifier.js';
import { noopMetrics, type ControllerObserver } from '../../src/ports/observer.js';
import type { ToggleIntent } from '../../src/ports/state-store.js';
import { createAnnouncer } from '../../src/runtime/announce.js';
import type { CheckDecision, StepOutcome, Transition } from '../../src/runtime/engine-session.js';
import type { Step, WriteReport } from '../../src/runtime/step.js';
import { captureLogger } from '../store/helpers.js';
import { canarySummary, twoStageRollout } from './two-stage.js';

const rollout = { ...twoStageRollout('r1'), notify: ['slack-release'] };
const summary = canarySummary();

function stepOf(outcome: Partial<StepOutcome>, stage = 'canary'): Step {
  return {
    record: undefined,
    session: { summary: () => ({ ...summary, stage }), retryAt: () => 99_000 },
    outcome: { transitions: [], notices: [], decision: null, ...outcome },
    before: summary,
  } as unknown as Step;
}

function event(type: RolloutEvent['type'], reason: string | null = null): RolloutEvent {
  return {
    type,
    rollout: 'r1',
    feature: rollout.toggle.feature,
    stage: 'canary',
    percent: 5,
    at: 1,
    reason,
    readings: [],
  };
}

function missingDecision(detail: string | null): CheckDecision {
  const gates = detail === null ? [] : [{ gate: 'feature', open: false, detail }];
  return { action: 'hold', reasons: [], results: [], raw: { at: 7, gates } } as unknown as CheckDecision;
}

function setup() {
  const sent: { names: readonly string[]; event: RolloutEvent }[] = [];
  const rollbacks: string[] = [];
  const observer: ControllerObserver = { ...noopMetrics, recordRollback: (n) => void rollbacks.push(n) };
  const announcer = createAnnouncer({ notify: (names, e) => void sent.push({ names, event: e }), observer });
  return { announcer, sent, rollbacks, cap: captureLogger() };
}

const t = (from: Transition['from'], to: Transition['to'], extra: Partial<Transition> = {}): Transition => ({
  from,
  to,
  stage: 'canary',
  percent: 5,
  reason: 'r',
  ...extra,
});

describe('createAnnouncer: step', () => {
  it('logs each transition at its level and counts a rollback when the toggle reads off', () => {
    const { announcer, cap, rollbacks } = setup();
    const transitions = [
      t('running', 'running', { fromState: 'running.observing', toState: 'running.applying' }),
      t('running', 'paused'),
      t('running', 'rolling_back'),
      t('rolling_back', 'rolled_back'),
    ];
    announcer.step(rollout, stepOf({ transitions }), cap.logger);
    expect(cap.lines.map((l) => [l.level, l.msg, l.to])).toEqual([
      [20, 'rollout state changed', 'running'],
      [30, 'rollout state changed', 'paused'],
      [50, 'rollout state changed', 'rolling_back'],
      [50, 'rollout state changed', 'rolled_back'],
    ]);
    expect(cap.lines[0]?.machine).toBe('running.observing → running.applying');
    expect(rollbacks).toEqual(['r1']);
  });

  it('sends notices in order to the rollout notifiers, held_too_long once per stage and reason', () => {
    const { announcer, cap, sent } = setup();
    const held = event('held_too_long', 'stage over 72h');
    announcer.step(rollout, stepOf({ notices: [event('advanced'), held] }), cap.logger);
    announcer.step(rollout, stepOf({ notices: [held] }), cap.logger);
    announcer.step(rollout, stepOf({ notices: [event('held_too_long', 'another reason')] }), cap.logger);
    announcer.step(rollout, stepOf({ notices: [held] }, 'full'), cap.logger);
    expect(sent.map((s) => `${s.event.type}:${s.event.reason ?? ''}`)).toEqual([
      'advanced:',
      'held_too_long:stage over 72h',
      'held_too_long:another reason',
      'held_too_long:stage over 72h',
    ]);
    expect(sent[0]?.names).toEqual(['slack-release']);
  });

  it('a missing feature: a warning every check, one notice per reason, again after it was found', () => {
    const { announcer, cap, sent } = setup();
    const missing = stepOf({ decision: missingDecision('feature x does not exist') });
    announcer.step(rollout, missing, cap.logger);
    announcer.step(rollout, missing, cap.logger);
    announcer.step(rollout, stepOf({ decision: missingDecision(null) }), cap.logger);
    announcer.step(rollout, missing, cap.logger);
    expect(cap.lines.filter((l) => l.msg === 'feature missing, nothing written')).toHaveLength(3);
    expect(sent.map((s) => s.event)).toEqual([
      expect.objectContaining({
        type: 'feature_missing',
        at: 7,
        reason: 'feature x does not exist',
        percent: 0,
      }),
      expect.objectContaining({ type: 'feature_missing' }),
    ]);
  });
});

describe('createAnnouncer: write', () => {
  const disable: ToggleIntent = {
    id: 'i-9',
    action: 'disable',
    percent: 0,
    gate: 'percentage_of_actors',
    mode: 'zero',
    at: 1,
  };
  const set: ToggleIntent = { ...disable, id: 'i-2', action: 'set', percent: 25 };
  const report = (
    intent: ToggleIntent,
    failure: string | null,
    outcome: Partial<StepOutcome> = {},
  ): WriteReport => ({
    intent,
    step: stepOf(outcome),
    failure,
    at: 50,
    ms: 12,
  });

  it('a landed write is info with the intent', () => {
    const { announcer, cap } = setup();
    announcer.write(rollout, report(set, null), cap.logger);
    expect(cap.lines[0]).toMatchObject({
      level: 30,
      msg: 'toggle written',
      action: 'set',
      percent: 25,
      intent: 'i-2',
      ms: 12,
    });
  });

  it('a failed rollback is fatal and raises rollback_failed on every failure', () => {
    const { announcer, cap, sent } = setup();
    announcer.write(rollout, report(disable, 'HTTP 503'), cap.logger);
    announcer.write(rollout, report(disable, 'HTTP 503'), cap.logger);
    expect(cap.lines.map((l) => [l.level, l.msg])).toEqual([
      [60, 'rollback failed: toggle still on, retrying'],
      [60, 'rollback failed: toggle still on, retrying'],
    ]);
    expect(cap.lines[0]).toMatchObject({ error: 'HTTP 503', retryAt: 99_000 });
    expect(sent.map((s) => [s.event.type, s.event.reason, s.event.at])).toEqual([
      ['rollback_failed', 'HTTP 503', 50],
      ['rollback_failed', 'HTTP 503', 50],
    ]);
  });

  it('a failed ramp write is an error, with no critical alert', () => {
    const { announcer, cap, sent } = setup();
    announcer.write(rollout, report(set, 'HTTP 500'), cap.logger);
    expect(cap.lines.map((l) => [l.level, l.msg])).toEqual([[50, 'toggle write failed, will retry']]);
    expect(sent).toEqual([]);
  });
});
