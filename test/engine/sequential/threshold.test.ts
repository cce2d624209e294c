import { describe, expect, it } from 'vitest';
import { mulberry32 } from './prng.js';
import { cusumDesign, EMPTY_CUSUM, type CusumState } from '../../../src/engine/sequential/cusum.js';
import {
  checkIntervalMs,
  criterionThreshold,
  cusumThreshold,
  horizonChecks,
  rolloutThreshold,
  tiltExponent,
} from '../../../src/engine/sequential/threshold.js';
import { parseCriterion } from '../../../src/rollout/criteria.js';
import { HOUR, MIN, makeRollout, stage } from '../rollout-factory.js';
import { feed } from './feed.js';

// Reference value: Python 3.11 math.log(432/0.05) = 9.064157861798101.

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

describe('checkIntervalMs and rolloutThreshold', () => {
  it.each([
    [{ kind: 'every', everyMs: 5 * MIN }, 5 * MIN],
    [{ kind: 'every', everyMs: 0 }, 1],
    [{ kind: 'cron', cron: '*/15 * * * *' }, MIN], // a cron counts as one check per minute
  ] as const)('the interval of %j is %i ms', (schedule, expected) => {
    const r = makeRollout();
    expect(checkIntervalMs({ check: { ...r.check, schedule } as typeof r.check })).toBe(expected);
  });

  it('is criterionThreshold, computed once per rollout object and criterion', () => {
    const r = makeRollout({ rollback: ['error_rate > 5%'], advance: [] });
    const c = parseCriterion('error_rate > 5%');
    const h = rolloutThreshold(r, c);
    expect(h).toBe(criterionThreshold(r, c));
    // a copy of the same rollout with another confidence is its own entry
    const stricter = { ...r, policy: { ...r.policy, confidence: 0.99 } };
    expect(rolloutThreshold(stricter, c)).toBeGreaterThan(h);
    expect(rolloutThreshold(r, c)).toBe(h);
  });
});
