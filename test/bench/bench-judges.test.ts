import { describe, expect, it } from 'vitest';
import { pointEstimate, wilsonEveryLook } from '../../src/bench/bench-judges.js';
import { judgeCriterion } from '../../src/engine/judge.js';
import { parseCriterion } from '../../src/rollout/criteria.js';

/* The policies compared with stagegate's judgement (src/bench/bench-judges.ts). */

const rollback = parseCriterion('error_rate > 5%');
const advance = parseCriterion('error_rate < 5%');
const opts = { confidence: 0.95 };
const ratio = (numerator: number, denominator: number) =>
  ({ kind: 'ratio', numerator, denominator, value: numerator / denominator }) as const;

describe('pointEstimate', () => {
  it('judges the latest value alone: 2 errors in 20 breach, where the interval cannot tell', () => {
    expect(pointEstimate(rollback, 'rollback', ratio(2, 20), opts).verdict).toBe('breach');
    expect(judgeCriterion(rollback, 'rollback', ratio(2, 20), opts).verdict).not.toBe('breach');
    expect(pointEstimate(advance, 'advance', ratio(0, 20), opts).verdict).toBe('pass');
  });
});

describe('wilsonEveryLook', () => {
  it('breaches when the whole Wilson interval is past the threshold, and leaves advance criteria alone', () => {
    expect(wilsonEveryLook(rollback, 'rollback', ratio(2, 20), opts)).toMatchObject({
      verdict: 'ok',
      samples: 20,
    });
    const clear = wilsonEveryLook(rollback, 'rollback', ratio(60, 300), opts);
    expect(clear.verdict).toBe('breach');
    expect(clear.interval?.[0]).toBeGreaterThan(0.05);
    expect(wilsonEveryLook(advance, 'advance', ratio(0, 20), opts)).toEqual(
      judgeCriterion(advance, 'advance', ratio(0, 20), opts),
    );
  });
});
