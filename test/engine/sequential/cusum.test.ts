import { describe, expect, it } from 'vitest';
import {
  cusumDesign,
  EMPTY_CUSUM,
  incrementFromCumulative,
  logLikelihoodRatio,
  updateCusum,
  type CusumState,
  type Increment,
} from '../../../src/engine/sequential/cusum.js';
import { feed } from './feed.js';

// Reference values: Python 3.11 math.log (ln 4, ln(0.9/0.975)).
const LN4 = 1.3862943611198906;
const DOWN_5 = -0.08004270767353637;

describe('cusumDesign', () => {
  it.each([
    ['>', 0.05, 0.025, 0.1, true],
    ['>=', 0.05, 0.025, 0.1, true],
    ['>', 0.6, 0.3, 0.8, true], // p1 capped halfway to 1
    ['<', 0.95, 0.025, 0.1, false], // `success < 95%` watches failures: τ = 5%
    ['<=', 0.3, 0.35, 0.85, false],
  ] as const)('%s %s → p0 %s, p1 %s', (op, threshold, p0, p1, numeratorIsBad) => {
    const d = cusumDesign({ op, threshold });
    expect(d?.p0).toBeCloseTo(p0, 15);
    expect(d?.p1).toBeCloseTo(p1, 15);
    expect(d?.numeratorIsBad).toBe(numeratorIsBad);
  });

  it('has no detector for == / != or a threshold at 0 or 1', () => {
    expect(cusumDesign({ op: '==', threshold: 0.05 })).toBeUndefined();
    expect(cusumDesign({ op: '!=', threshold: 0.05 })).toBeUndefined();
    expect(cusumDesign({ op: '>', threshold: 0 })).toBeUndefined();
    expect(cusumDesign({ op: '<', threshold: 1 })).toBeUndefined();
  });

  it('adds ln(p1/p0) per bad event and ln((1−p1)/(1−p0)) per good one', () => {
    const d = cusumDesign({ op: '>', threshold: 0.05 });
    if (!d) throw new Error('no design');
    expect(d.up).toBeCloseTo(LN4, 14);
    expect(d.down).toBeCloseTo(DOWN_5, 14);
    expect(logLikelihoodRatio(d, 12, 100)).toBeCloseTo(12 * LN4 + 88 * DOWN_5, 12);
  });
});

describe('updateCusum', () => {
  const incs: Increment[] = [
    { from: 0, to: 5, events: 1, trials: 100 }, // 1.386 − 7.924 → clamps at 0
    { from: 5, to: 10, events: 10, trials: 100 }, // 13.86 − 7.20 = 6.66
    { from: 10, to: 15, events: 12, trials: 100 }, // + 16.64 − 7.04 = 16.25
  ];

  it('accumulates the log-likelihood ratio and never goes below 0', () => {
    const s1 = feed(EMPTY_CUSUM, incs.slice(0, 1));
    expect(s1.s).toBe(0);
    const s3 = feed(EMPTY_CUSUM, incs);
    expect(s3.s).toBeCloseTo(10 * LN4 + 90 * DOWN_5 + 12 * LN4 + 88 * DOWN_5, 12);
    expect(s3).toMatchObject({ through: 15, trials: 300, events: 23, rawEvents: 23 });
  });

  it('never counts an increment twice: a redone step or a restart from JSON changes nothing', () => {
    const once = feed(EMPTY_CUSUM, incs);
    // the same increments again, as after a redone step
    expect(feed(once, incs)).toEqual(once);
    // restored from a snapshot (plain JSON), the last increment replayed
    const restored = JSON.parse(JSON.stringify(once)) as CusumState;
    expect(feed(restored, incs.slice(2))).toEqual(once);
    // an increment overlapping what was counted is refused whole
    expect(feed(once, [{ from: 12, to: 20, events: 50, trials: 50 }])).toEqual(once);
    // the next one counts
    expect(feed(once, [{ from: 15, to: 20, events: 0, trials: 10 }]).trials).toBe(310);
  });

  it('reads the complement for `<` criteria: failures of a success rate are the bad events', () => {
    const d = cusumDesign({ op: '<', threshold: 0.95 });
    if (!d) throw new Error('no design');
    const { state } = updateCusum(d, EMPTY_CUSUM, { from: 0, to: 1, events: 85, trials: 100 });
    expect(state.events).toBe(15);
    expect(state.rawEvents).toBe(85);
    expect(state.s).toBeCloseTo(15 * LN4 + 85 * DOWN_5, 12);
  });

  it('clamps impossible counts instead of trusting them', () => {
    const s = feed(EMPTY_CUSUM, [{ from: 0, to: 1, events: 500, trials: 100 }]);
    expect(s.events).toBe(100);
  });
});

describe('incrementFromCumulative (window: stage)', () => {
  it('is what the stage sum added since the last count, late data included', () => {
    const s0 = EMPTY_CUSUM;
    const i1 = incrementFromCumulative(s0, 1000, 2000, 5, 100);
    expect(i1).toEqual({ from: 1000, to: 2000, events: 5, trials: 100 });
    const s1 = feed(s0, [i1]);
    // a late bucket for the first interval arrives with the second: counted once, in the second
    const i2 = incrementFromCumulative(s1, 1000, 3000, 9, 180);
    expect(i2).toEqual({ from: 2000, to: 3000, events: 4, trials: 80 });
    // the same check redone: nothing new
    const s2 = feed(s1, [i2]);
    expect(feed(s2, [incrementFromCumulative(s2, 1000, 3000, 9, 180)])).toEqual(s2);
    // a sum that shrank adds nothing
    expect(incrementFromCumulative(s2, 1000, 4000, 2, 50)).toMatchObject({ events: 0, trials: 0 });
  });
});
