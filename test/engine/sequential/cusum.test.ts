import { describe, expect, it } from 'vitest';
import { mulberry32 } from './prng.js';
import {
  cusumDesign,
  EMPTY_CUSUM,
  incrementFromCumulative,
  logLikelihoodRatio,
  updateCusum,
  type CusumState,
  type Increment,
} from '../../../src/engine/sequential/cusum.js';
import { formatEvidence } from '../../../src/engine/sequential/rollback-detector.js';
import {
  criterionThreshold,
  cusumThreshold,
  horizonChecks,
  tiltExponent,
} from '../../../src/engine/sequential/threshold.js';
import { parseCriterion } from '../../../src/rollout/criteria.js';
import { HOUR, MIN, makeRollout, stage } from '../rollout-factory.js';

// Reference values: Python 3.11 math.log (ln 4, ln(0.9/0.975), ln(432/0.05)).
const LN4 = 1.3862943611198906;
const DOWN_5 = -0.08004270767353637;

function feed(state: CusumState, incs: readonly Increment[], tau = 0.05): CusumState {
  const d = cusumDesign({ op: '>', threshold: tau });
  if (!d) throw new Error('no design');
  return incs.reduce((s, inc) => updateCusum(d, s, inc).state, state);
}

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

describe('the threshold from α and the horizon', () => {
  it('counts the planned checks: minDuration per stage, capped by maxStageDuration', () => {
    const r = makeRollout({
      stages: [
        stage('canary', 2, { minDurationMs: 4 * HOUR }),
        ...[25, 50, 75, 100].map((p) => stage(`s${p}`, p, { minDurationMs: 8 * HOUR })),
      ],
    });
    // 36 h at one check every 5 minutes
    expect(
      horizonChecks({ ...r, check: { ...r.check, schedule: { kind: 'every', everyMs: 5 * MIN } } }),
    ).toBe(432);
    const capped = { ...r, policy: { ...r.policy, maxStageDurationMs: 6 * HOUR } };
    expect(
      horizonChecks({ ...capped, check: { ...r.check, schedule: { kind: 'every', everyMs: 5 * MIN } } }),
    ).toBe(48 + 4 * 72);
    // a stage without minDuration still has one check
    expect(horizonChecks({ ...r, stages: [stage('only', 100, { minDurationMs: 0 })] })).toBe(1);
  });

  it('is ln(K/α)', () => {
    expect(cusumThreshold(432, 0.05)).toBeCloseTo(9.064157861798101, 12);
    expect(cusumThreshold(0, 0.05)).toBeCloseTo(Math.log(20), 12);
    expect(() => cusumThreshold(10, 0)).toThrow(RangeError);
  });

  it('tilts: θ = 1 at p0, > 1 below, < 1 between p0 and the threshold, none above the zero-drift rate', () => {
    const d = cusumDesign({ op: '>', threshold: 0.05 });
    if (!d) throw new Error('no design');
    expect(tiltExponent(d, 0.025)).toBeCloseTo(1, 9);
    expect(tiltExponent(d, 0.01) ?? 0).toBeGreaterThan(1);
    const at3 = tiltExponent(d, 0.03) ?? 0;
    expect(at3).toBeGreaterThan(0.7);
    expect(at3).toBeLessThan(1);
    expect(tiltExponent(d, 0.06)).toBeUndefined();
  });

  it('keeps false alarms per rollout under α at the acceptable rate (simulation, seeded)', () => {
    // 2,000 rollouts of K = 100 checks of 40 trials at p0 = 2.5%, α = 0.2 (large enough to measure)
    const rand = mulberry32(7);
    const h = cusumThreshold(100, 0.2);
    let alarms = 0;
    for (let r = 0; r < 2000; r++) {
      let s: CusumState = EMPTY_CUSUM;
      for (let k = 0; k < 100; k++) {
        let x = 0;
        for (let i = 0; i < 40; i++) if (rand() < 0.025) x++;
        s = feed(s, [{ from: k, to: k + 1, events: x, trials: 40 }]);
        if (s.s >= h) {
          alarms++;
          break;
        }
      }
    }
    expect(alarms / 2000).toBeLessThanOrEqual(0.2);
  });
});

describe('formatEvidence', () => {
  it('prints the evidence against the threshold for the check line', () => {
    const s = feed(EMPTY_CUSUM, [{ from: 0, to: 1, events: 10, trials: 1234 }]);
    expect(formatEvidence({ statistic: 7.2349, threshold: 11.3719, trials: s.trials })).toBe(
      'evidence 7.2 of 11.4 (CUSUM, 1234 trials this stage)',
    );
  });
});

describe('criterionThreshold: the guarantee covers rates up to 60% of the threshold, split among criteria', () => {
  const rollout = (rollback: string[]) => makeRollout({ rollback, advance: [] });

  it('is ln(K·R/α)/θ(0.6τ), reference values for the flagship shape', () => {
    const c = parseCriterion('error_rate > 5%');
    const theta = tiltExponent(cusumDesign(c)!, 0.03)!;
    expect(theta).toBeCloseTo(0.7850352554662055, 9);
    const one = rollout(['error_rate > 5%']);
    expect(criterionThreshold(one, c)).toBeCloseTo(Math.log(horizonChecks(one) / 0.05) / theta, 12);
    // a second rollback criterion with a detector halves each one's share of α
    const two = rollout(['error_rate > 5%', 'error_rate > 20%']);
    expect(criterionThreshold(two, c)).toBeCloseTo(Math.log((2 * horizonChecks(two)) / 0.05) / theta, 12);
  });

  it('a criterion without a detector (==) gets the plain ln(K·R/α)', () => {
    const r = rollout(['error_rate == 1']);
    expect(criterionThreshold(r, parseCriterion('error_rate == 1'))).toBeCloseTo(
      Math.log(horizonChecks(r) / 0.05),
      12,
    );
  });
});
