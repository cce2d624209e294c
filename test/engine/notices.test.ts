import { describe, expect, it } from 'vitest';
import { ZERO_COUNTERS, type Decision } from '../../src/engine/decide.js';
import type { CriterionResult, CriterionKind, Verdict } from '../../src/engine/judge.js';
import { buildNotice, readingsOf } from '../../src/engine/notices.js';
import { parseCriterion } from '../../src/rollout/criteria.js';
import { T0, makeRollout } from './rollout-factory.js';

function result(
  text: string,
  kind: CriterionKind,
  verdict: Verdict,
  value: number | null,
  interval: readonly [number, number] | null = null,
): CriterionResult {
  return {
    criterion: parseCriterion(text),
    kind,
    verdict,
    value,
    interval: interval as CriterionResult['interval'],
    confidence: interval ? 0.95 : null,
    samples: null,
    reason: `${text}: ${verdict}`,
  };
}

describe('readingsOf', () => {
  it('gives one reading per metric, in first-seen order, with every criterion that reads it', () => {
    const readings = readingsOf([
      result('error_rate > 5% for 2 checks', 'rollback', 'ok', 0.01, [0.002, 0.04]),
      result('p99 < 250', 'advance', 'pass', 180),
      result('error_rate < 2%', 'advance', 'pass', 0.01, [0.005, 0.018]),
    ]);
    expect(readings).toEqual([
      {
        metric: 'error_rate',
        value: 0.01,
        // the advance criterion's interval is the one shown, even when a rollback one came first
        interval: [0.005, 0.018],
        criteria: ['error_rate > 5% for 2 checks', 'error_rate < 2%'],
        verdict: 'ok/pass',
      },
      { metric: 'p99', value: 180, interval: null, criteria: ['p99 < 250'], verdict: 'pass' },
    ]);
  });

  it('falls back to any interval, then to none', () => {
    const [withRollbackInterval] = readingsOf([
      result('error_rate > 5%', 'rollback', 'breach', 0.2, [0.15, 0.25]),
    ]);
    expect(withRollbackInterval?.interval).toEqual([0.15, 0.25]);
    const [withNone] = readingsOf([result('p99 < 250', 'advance', 'inconclusive', 300)]);
    expect(withNone?.interval).toBeNull();
  });

  it('takes the first non-null value and joins distinct verdicts once', () => {
    const [reading] = readingsOf([
      result('error_rate < 2%', 'advance', 'no-data', null),
      result('error_rate > 5%', 'rollback', 'no-data', null),
      result('error_rate < 3%', 'advance', 'pass', 0.01),
    ]);
    expect(reading?.value).toBe(0.01);
    expect(reading?.verdict).toBe('no-data/pass');
  });

  it('is empty without results', () => {
    expect(readingsOf([])).toEqual([]);
  });
});

describe('buildNotice', () => {
  const rollout = makeRollout({ name: 'checkout', toggle: { feature: 'new_checkout' } });

  it('carries the rollout, feature, stage, percent, time and reason', () => {
    expect(
      buildNotice(rollout, {
        type: 'paused',
        at: T0,
        stage: 'canary',
        percent: 10,
        reason: 'paused by alice',
        decision: null,
      }),
    ).toEqual({
      type: 'paused',
      rollout: 'checkout',
      feature: 'new_checkout',
      stage: 'canary',
      percent: 10,
      at: T0,
      reason: 'paused by alice',
      readings: [],
    });
  });

  it("shows the readings of the decision's check", () => {
    const decision: Decision = {
      at: T0,
      action: 'rollback',
      cause: null,
      stageIndex: 0,
      targetStage: null,
      awaitingApproval: false,
      reasons: ['error_rate breached'],
      results: [result('error_rate > 5%', 'rollback', 'breach', 0.2, [0.15, 0.25])],
      gates: [],
      samples: null,
      nextCounters: ZERO_COUNTERS,
    };
    const notice = buildNotice(rollout, {
      type: 'rolled_back',
      at: T0,
      stage: 'canary',
      percent: 0,
      reason: 'error_rate breached',
      decision,
    });
    expect(notice.readings).toEqual([
      {
        metric: 'error_rate',
        value: 0.2,
        interval: [0.15, 0.25],
        criteria: ['error_rate > 5%'],
        verdict: 'breach',
      },
    ]);
  });
});
