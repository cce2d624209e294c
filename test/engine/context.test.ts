import { describe, expect, it } from 'vitest';
import {
  ENGINE_STATES,
  initialContext,
  rolloutStateOf,
  writeBackoffMs,
  type EngineStateName,
} from '../../src/engine/context.js';
import { ZERO_COUNTERS } from '../../src/engine/decide.js';
import { ROLLOUT_STATES } from '../../src/ports/state-store.js';

describe('initialContext', () => {
  it('starts before the first stage with nothing applied, pending or counted', () => {
    const c = initialContext();
    expect(c).toMatchObject({
      stageIndex: -1,
      stageName: null,
      appliedPercent: 0,
      approved: false,
      intent: null,
      intentSeq: 0,
      attempts: 0,
      pause: null,
      lastDecision: null,
    });
    expect(c.counters).toEqual(ZERO_COUNTERS);
  });

  it('is plain JSON (it is what gets persisted)', () => {
    const c = initialContext();
    expect(JSON.parse(JSON.stringify(c))).toEqual(c);
  });

  it('is a fresh object each time', () => {
    expect(initialContext()).not.toBe(initialContext());
  });
});

describe('rolloutStateOf', () => {
  const TABLE: Record<EngineStateName, string> = {
    pending: 'pending',
    'running.applying': 'running',
    'running.observing': 'running',
    'running.awaitingApproval': 'awaiting_approval',
    paused: 'paused',
    rollingBack: 'rolling_back',
    rolledBack: 'rolled_back',
    completed: 'completed',
  };

  it.each(ENGINE_STATES.map((s) => [s, TABLE[s]]))('%s shows as %s', (state, word) => {
    expect(rolloutStateOf(state)).toBe(word);
  });

  it('maps onto every status word the store knows', () => {
    expect(new Set(ENGINE_STATES.map(rolloutStateOf))).toEqual(new Set(ROLLOUT_STATES));
  });
});

describe('writeBackoffMs', () => {
  it.each([
    [0, 15_000],
    [1, 15_000],
    [2, 30_000],
    [3, 60_000],
    [4, 120_000],
    [5, 240_000],
    [6, 300_000],
    [50, 300_000],
  ])('after %i failures waits %i ms', (failures, ms) => {
    expect(writeBackoffMs(failures)).toBe(ms);
  });
});
