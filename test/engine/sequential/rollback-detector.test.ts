import { describe, expect, it } from 'vitest';
import { EMPTY_CUSUM } from '../../../src/engine/sequential/cusum.js';
import { formatEvidence, judgeByDetector } from '../../../src/engine/sequential/rollback-detector.js';
import { parseCriterion } from '../../../src/rollout/criteria.js';
import { feed } from './feed.js';

describe('formatEvidence', () => {
  it('prints the evidence against the threshold for the check line', () => {
    const s = feed(EMPTY_CUSUM, [{ from: 0, to: 1, events: 10, trials: 1234 }]);
    expect(formatEvidence({ statistic: 7.2349, threshold: 11.3719, trials: s.trials })).toBe(
      'evidence 7.2 of 11.4 (CUSUM, 1234 trials this stage)',
    );
  });
});

describe('judgeByDetector', () => {
  // Reference values: Python 3.11 math.log (ln 4, ln(0.9/0.975)): the `> 5%` detector's steps.
  const LN4 = 1.3862943611198906;
  const DOWN_5 = -0.08004270767353637;
  const S_10_OF_100 = 10 * LN4 + 90 * DOWN_5; // 6.659

  function ratio(numerator: number, denominator: number) {
    return { kind: 'ratio', numerator, denominator, value: numerator / denominator } as const;
  }

  const base = {
    criterion: parseCriterion('error_rate > 5%'),
    measurement: ratio(10, 100),
    state: undefined,
    increment: { from: 0, to: 300_000, events: 10, trials: 100 },
    cumulative: false,
    stageStartedAt: 0,
    now: 300_000,
  };

  it('breaches when the evidence reaches the threshold, and says so with the numbers', () => {
    const out = judgeByDetector({ ...base, threshold: 5 });
    expect(out?.state.s).toBeCloseTo(S_10_OF_100, 12);
    expect(out?.result).toMatchObject({
      kind: 'rollback',
      verdict: 'breach',
      value: 0.1,
      interval: null,
      samples: 100,
      reason: 'error_rate 10% (10/100) breaches > 5%: evidence 6.7 of 5 (CUSUM, 100 trials this stage)',
      evidence: { threshold: 5, trials: 100, events: 10 },
    });
  });

  it('stays ok below the threshold', () => {
    const out = judgeByDetector({ ...base, threshold: 9 });
    expect(out?.result.verdict).toBe('ok');
    expect(out?.result.reason).toBe(
      'error_rate 10% (10/100) within rollback > 5%: evidence 6.7 of 9 (CUSUM, 100 trials this stage)',
    );
  });

  it('derives the increment from a cumulative stage window when none is given', () => {
    const out = judgeByDetector({ ...base, increment: undefined, cumulative: true, threshold: 9 });
    expect(out?.state).toMatchObject({ through: 300_000, trials: 100, events: 10 });
    expect(out?.state.s).toBeCloseTo(S_10_OF_100, 12);
  });

  it('does not count an increment the state already holds (a redone check)', () => {
    const first = judgeByDetector({ ...base, threshold: 9 });
    const again = judgeByDetector({ ...base, state: first?.state, threshold: 9 });
    expect(again?.state).toEqual(first?.state);
  });

  it('reads the complement for a `<` criterion', () => {
    const out = judgeByDetector({
      ...base,
      criterion: parseCriterion('success < 95%'),
      measurement: ratio(85, 100),
      increment: { from: 0, to: 1, events: 85, trials: 100 },
      threshold: 100,
    });
    expect(out?.state.events).toBe(15);
    expect(out?.state.s).toBeCloseTo(15 * LN4 + 85 * DOWN_5, 12);
    expect(out?.result.verdict).toBe('ok');
  });

  it.each([
    ['an == criterion', { criterion: parseCriterion('error_rate == 1') }],
    ['a threshold at 0', { criterion: parseCriterion('error_rate > 0%') }],
    ['no increment and a sliding window', { increment: undefined, cumulative: false }],
  ])('has no verdict for %s', (_label, over) => {
    expect(judgeByDetector({ ...base, ...over, threshold: 5 })).toBeUndefined();
  });

  it('matches feeding the same increment to the CUSUM directly', () => {
    const direct = feed(EMPTY_CUSUM, [base.increment]);
    expect(judgeByDetector({ ...base, threshold: 5 })?.state).toEqual(direct);
  });
});
