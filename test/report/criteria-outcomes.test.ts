import { describe, expect, it } from 'vitest';
import {
  checksOf,
  criteriaRefs,
  lastErrors,
  lastSamples,
  outcomes,
} from '../../src/report/criteria-outcomes.js';
import { CLICK, ERROR_BREACH, ERROR_RATE, START, check, rollout, transition } from './fixtures.js';

/* What a stage's checks showed, criterion by criterion (src/report/criteria-outcomes.ts). */

const obs = (failed: number, sent = 100) => ({ sent, failed, clicks: 40, delivered: 100, calls: 0 });

describe('criteriaRefs', () => {
  it('the rollout file’s criteria, advance first; without it, what the checks recorded, advance first', () => {
    const fromFile = criteriaRefs(rollout, []);
    expect(fromFile.map((r) => [r.kind, r.text])).toContainEqual(['rollback', ERROR_BREACH.text]);
    expect(fromFile[0]).toEqual({ text: ERROR_RATE.text, kind: 'advance', percent: true });
    const checks = checksOf([check(START, 'canary', 2, obs(1), 'hold')]);
    const recorded = criteriaRefs(undefined, checks);
    expect(recorded.map((r) => r.kind)).toEqual(['advance', 'advance', 'advance', 'rollback']);
    expect(recorded.map((r) => r.text)).toContain(CLICK.text);
  });
});

describe('outcomes', () => {
  it('advance criteria by the last check; a rollback guard unmet once breached, showing the latest breach', () => {
    const checks = checksOf([
      check(START, 'canary', 2, obs(9), 'hold', { advance: { error_rate: 'fail' }, breach: true }),
      check(START + 1000, 'canary', 2, obs(8), 'hold', { advance: { error_rate: 'fail' }, breach: true }),
      check(START + 2000, 'canary', 2, obs(1), 'hold'),
      transition(START + 3000, 'running', 'running', 'canary', 2),
    ]);
    const refs = [
      { text: ERROR_RATE.text, kind: 'advance' as const, percent: true },
      { text: ERROR_BREACH.text, kind: 'rollback' as const, percent: true },
    ];
    const [advance, guard] = outcomes(refs, checks);
    expect(advance).toMatchObject({ met: true, verdict: 'pass', value: 0.01 });
    expect(guard).toMatchObject({ met: false, verdict: 'breach', value: 0.08 });
  });
});

describe('lastSamples and lastErrors', () => {
  it('the samples metric’s latest reading; the top 5 errors, from the stage-errors entry before the checks’', () => {
    const errors = [1, 2, 3, 4, 5, 6].map((n) => ({ message: `e${n}`, count: n }));
    const checks = checksOf([
      check(START, 'canary', 2, obs(1, 50), 'hold', { errors: [{ message: 'old', count: 1 }] }),
      check(START + 1000, 'canary', 2, obs(1, 80), 'hold'),
    ]);
    expect([lastSamples('sent', checks), lastSamples(null, checks), lastSamples('nope', checks)]).toEqual([
      80,
      null,
      null,
    ]);
    expect(lastErrors(checks)).toEqual([{ message: 'old', count: 1 }]);
    const recorded = lastErrors(checks, [
      { type: 'stage-errors', at: START + 2000, stage: 'canary', from: START, to: START + 2000, errors },
    ]);
    expect(recorded?.map((e) => e.message)).toEqual(['e6', 'e5', 'e4', 'e3', 'e2']);
    expect(lastErrors([])).toBeNull();
  });
});
