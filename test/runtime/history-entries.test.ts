import { afterEach, describe, expect, it } from 'vitest';
import { decodeHistoryEntry } from '../../src/ports/history.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import type { RolloutSummary } from '../../src/ports/state-store.js';
import {
  checkEntry,
  checkResults,
  stageEntries,
  stageErrorsEntry,
  stepEntries,
  tickEntries,
  toggleResultEntry,
  transitionEntries,
} from '../../src/runtime/history-entries.js';
import type { StepOutcome } from '../../src/runtime/engine-session.js';
import { REDACTED, registerSecret, resetSecretsForTests } from '../../src/secrets/scrubber.js';
import { canarySummary, twoStageRollout } from './two-stage.js';

const rollout = twoStageRollout('r1');
const SECRET = 'dd-app-key-abcdef0123456789';
afterEach(() => resetSecretsForTests());

const summary = canarySummary;

function outcome(transitions: StepOutcome['transitions'] = []): StepOutcome {
  return { transitions, notices: [], decision: null };
}

describe('transitionEntries', () => {
  it('one entry per transition, with the machine states when known', () => {
    const entries = transitionEntries(
      outcome([
        {
          from: 'running',
          to: 'running',
          stage: 'canary',
          percent: 5,
          reason: null,
          fromState: 'running.applying',
          toState: 'running.observing',
        },
        { from: 'running', to: 'paused', stage: 'canary', percent: 5, reason: 'by alice' },
      ]),
      42,
    );
    expect(entries).toEqual([
      {
        v: 1,
        type: 'transition',
        at: 42,
        from: 'running',
        to: 'running',
        stage: 'canary',
        percent: 5,
        reason: null,
        machine: { from: 'running.applying', to: 'running.observing' },
      },
      {
        v: 1,
        type: 'transition',
        at: 42,
        from: 'running',
        to: 'paused',
        stage: 'canary',
        percent: 5,
        reason: 'by alice',
      },
    ]);
  });
});

describe('stageEntries', () => {
  const stages = (before: Partial<RolloutSummary>, after: Partial<RolloutSummary>, o = outcome()) =>
    stageEntries(summary(before), summary(after), o, 7).map(
      (e) => `${e.event} ${e.stage} ${e.percent}: ${e.why}`,
    );

  it.each([
    [
      'a stage is entered when its toggle write lands',
      { stage: null, percent: 0 },
      {},
      ['entered canary 5: toggle set to 5%'],
    ],
    [
      'the old stage is left and the next entered on an advance, in that order',
      {},
      { stage: 'full', stageIndex: 1, percent: 100 },
      ['left canary 5: toggle set to 100% for full', 'entered full 100: toggle set to 100%'],
    ],
    [
      'left with "completed" on completion',
      { stage: 'full', percent: 100 },
      { state: 'completed', stage: 'full', percent: 100 },
      ['left full 100: completed'],
    ],
    ['a pause keeps the stage active: nothing', {}, { state: 'paused' }, []],
    ['nothing while the stage stays the same', {}, { reason: 'holding' }, []],
  ] as const)('%s', (_, before, after, expected) => {
    expect(stages(before, after)).toEqual(expected);
  });

  it('a rollback leaves the stage with the transition reason, else the summary reason, else the state', () => {
    const breach = outcome([
      { from: 'running', to: 'rolling_back', stage: 'canary', percent: 5, reason: 'error_rate > 20%' },
    ]);
    expect(stages({}, { state: 'rolling_back' }, breach)).toEqual(['left canary 5: error_rate > 20%']);
    expect(stages({}, { state: 'rolling_back', reason: 'aborted by bob' })).toEqual([
      'left canary 5: aborted by bob',
    ]);
    expect(stages({}, { state: 'rolled_back' })).toEqual(['left canary 5: rolled_back']);
  });
});

describe('stepEntries', () => {
  it('transitions first, then stage moves, scrubbed', () => {
    registerSecret(SECRET);
    const o = outcome([
      { from: 'running', to: 'rolling_back', stage: 'canary', percent: 5, reason: `403 key=${SECRET}` },
    ]);
    const entries = stepEntries(summary({}), summary({ state: 'rolling_back' }), o, 9);
    expect(entries.map((e) => e.type)).toEqual(['transition', 'stage']);
    expect(JSON.stringify(entries)).not.toContain(SECRET);
    expect(entries[1]).toMatchObject({ event: 'left', why: `403 key=${REDACTED}` });
  });
});

describe('tickEntries', () => {
  const facts = {
    at: 7,
    summary: summary({ state: 'rolling_back' }),
    measurements: {},
    results: [],
    decision: { action: 'rollback', reasons: ['error_rate > 20%'] },
    toggle: 5,
    exposure: null,
    durationMs: 3,
  };
  const breach = outcome([
    { from: 'running', to: 'rolling_back', stage: 'canary', percent: 5, reason: 'error_rate > 20%' },
  ]);

  it('spec (when it changed) → check → what the tick caused, all at the tick', () => {
    const entries = tickEntries(rollout, true, summary({}), breach, facts);
    expect(entries.map((e) => e.type)).toEqual(['spec', 'check', 'transition', 'stage']);
    expect(entries[0]).toMatchObject({ specHash: rollout.specHash, at: 7 });
    expect(entries[1]).toMatchObject({ stage: 'canary', detail: { state: 'rolling_back' } });
    expect(entries.every((e) => e.at === 7)).toBe(true);
  });

  it('no spec entry when the spec is the one last checked', () => {
    expect(
      tickEntries(rollout, false, summary({}), outcome(), { ...facts, summary: summary({}) }),
    ).toMatchObject([{ type: 'check' }]);
    expect(tickEntries(rollout, false, summary({}), outcome(), facts)).toHaveLength(2);
  });
});

describe('toggleResultEntry', () => {
  it('a landed write records its effective percent, a failed one its error', async () => {
    const toggles = new MemoryToggleProvider({ features: [rollout.toggle.feature] });
    const state = await toggles.setPercent(rollout.toggle.feature, 25, rollout.toggle.gate);
    expect(toggleResultEntry(rollout, 'r1#3', 9, state, null)).toMatchObject({
      type: 'toggle-result',
      at: 9,
      intentId: 'r1#3',
      ok: true,
      percent: 25,
      error: null,
    });
    expect(toggleResultEntry(rollout, 'r1#3', 9, null, 'refused')).toMatchObject({
      ok: false,
      percent: null,
      error: 'refused',
    });
  });
});

describe('checkResults / checkEntry', () => {
  const results = [
    {
      text: 'error_rate < 5%',
      metric: 'error_rate',
      kind: 'advance' as const,
      verdict: 'pass',
      value: 0.01,
      interval: [0.008, 0.012] as const,
      reason: 'ok',
    },
    {
      text: 'requests > 10',
      metric: 'requests',
      kind: 'advance' as const,
      verdict: 'pass',
      value: 20,
      interval: null,
      reason: null,
    },
  ];

  it('marks a criterion percent from the rollout, falling back to its text', () => {
    expect(checkResults(rollout, results).map((r) => [r.criterion.text, r.criterion.percent])).toEqual([
      ['error_rate < 5%', true],
      ['requests > 10', false],
    ]);
  });

  it('builds a check entry the history codec reads back unchanged, provider messages scrubbed', () => {
    registerSecret(SECRET);
    const entry = checkEntry(rollout, {
      at: 100,
      summary: summary({}),
      measurements: { requests: { kind: 'error', code: 'E_PROVIDER_AUTH', message: `bad key ${SECRET}` } },
      results,
      decision: { action: 'hold', reasons: ['1m of minDuration 10m'] },
      toggle: 5,
      exposure: '5% of actors',
      durationMs: 30,
      postLaunch: { offsetMs: 604_800_000 },
      errors: [{ message: 'SMTP 550', count: 2 }],
    });
    expect(JSON.stringify(entry)).not.toContain(SECRET);
    expect(entry.detail.measurements.requests).toEqual({
      kind: 'error',
      code: 'E_PROVIDER_AUTH',
      message: `bad key ${REDACTED}`,
    });
    expect(entry.detail).toMatchObject({
      state: 'running',
      toggle: 5,
      postLaunch: { offsetMs: 604_800_000 },
      errors: [{ message: 'SMTP 550', count: 2 }],
    });
    expect(decodeHistoryEntry(JSON.parse(JSON.stringify(entry)))).toEqual({ ok: true, value: entry });
  });

  it('a check without post-launch or errors records null for both', () => {
    const entry = checkEntry(rollout, {
      at: 1,
      summary: summary({}),
      measurements: {},
      results: [],
      decision: null,
      toggle: null,
      exposure: null,
      durationMs: 0,
    });
    expect(entry.detail).toMatchObject({ decision: null, postLaunch: null, errors: null });
  });
});

describe('stageErrorsEntry', () => {
  it('records the window and the errors, scrubbed', () => {
    registerSecret(SECRET);
    const entry = stageErrorsEntry(
      'canary',
      { from: 1, to: 2 },
      [{ message: `token ${SECRET}`, count: 4 }],
      3,
    );
    expect(entry).toEqual({
      v: 1,
      type: 'stage-errors',
      at: 3,
      stage: 'canary',
      from: 1,
      to: 2,
      errors: [{ message: `token ${REDACTED}`, count: 4 }],
    });
  });
});
