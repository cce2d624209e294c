import { describe, expect, it } from 'vitest';
import {
  betaQuantile,
  clopperPearsonInterval,
  logGamma,
  lookConfidence,
  normalQuantile,
  regularizedBeta,
  wilsonInterval,
} from '../../src/engine/stats.js';

// Reference values: SciPy 1.17 (scipy.stats.norm.ppf, scipy.special.gammaln / betainc, scipy.stats.beta.ppf).

describe('normalQuantile (@stdlib)', () => {
  it.each([
    [1e-10, -6.361340902404056],
    [1e-6, -4.753424308822899],
    [0.001, -3.090232306167813],
    [0.01, -2.3263478740408408],
    [0.025, -1.9599639845400545],
    [0.05, -1.6448536269514729],
    [0.1, -1.2815515655446004],
    [0.3, -0.5244005127080409],
    [0.5, 0],
    [0.7, 0.5244005127080407],
    [0.975, 1.959963984540054],
    [0.999, 3.090232306167813],
    [1 - 1e-6, 4.753424308817087],
  ])('Φ⁻¹(%s) = %s', (p, z) => {
    // @stdlib goes through erfcinv, whose far tail is good to ~2e-9 relative: ample for any
    // confidence a rollout can ask (α ≥ 1e-6), so the tolerance is relative rather than 12 digits
    expect(Math.abs(normalQuantile(p) - z)).toBeLessThanOrEqual(Math.max(5e-13, 3e-9 * Math.abs(z)));
  });

  it('is ±Infinity at the ends and refuses probabilities outside [0, 1]', () => {
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(() => normalQuantile(1.5)).toThrow(RangeError);
    expect(() => normalQuantile(Number.NaN)).toThrow(RangeError);
  });
});

describe('logGamma (@stdlib gammaln)', () => {
  it.each([
    [0.5, 0.5723649429247],
    [1, 0],
    [1.5, -0.12078223763524526],
    [2, 0],
    [3.7, 1.428072326665388],
    [10, 12.801827480081469],
    [100.25, 360.28455963776423],
    [1000, 5905.220423209181],
    [1e5, 1051287.7089736569],
  ])('ln Γ(%s) = %s', (x, expected) => {
    expect(logGamma(x)).toBeCloseTo(expected, Math.abs(expected) > 1000 ? 6 : 11);
  });

  it('refuses x ≤ 0', () => {
    expect(() => logGamma(0)).toThrow(RangeError);
  });
});

describe('regularizedBeta and betaQuantile', () => {
  it.each([
    [0.3, 1, 1, 0.3, 12],
    [0.2, 2, 5, 0.3446400000000002, 12],
    [0.05, 13, 121, 0.016207801444851285, 12],
    [0.1, 0.5, 0.5, 0.20483276469913345, 12],
    [0.05, 200, 3800, 0.5086832227640804, 11],
    // a hundred thousand trials: ln Γ near 1e6 leaves about 1e-10 of absolute error
    [0.05, 5000, 95001, 0.5020259614598019, 9],
    [0.01, 1, 100, 0.6339676587267705, 12],
  ])('I_%s(%s, %s) = %s', (x, a, b, expected, digits) => {
    expect(regularizedBeta(x, a, b)).toBeCloseTo(expected, digits);
  });

  it('is 0 and 1 at the ends of [0, 1]', () => {
    expect(regularizedBeta(0, 2, 3)).toBe(0);
    expect(regularizedBeta(1, 2, 3)).toBe(1);
  });

  it.each([
    [0.3, 2, 5, 0.18180347131894917],
    [1e-6, 0.5, 3, 2.844444444445522e-13],
    [0.999, 50, 2, 0.9991013094706362],
  ])('inverts it: betaQuantile(%s; %s, %s) = %s', (p, a, b, x) => {
    expect(betaQuantile(p, a, b)).toBeCloseTo(x, 12);
    expect(regularizedBeta(betaQuantile(p, a, b), a, b)).toBeCloseTo(p, 10);
  });
});

describe('wilsonInterval', () => {
  it.each([
    [0, 10, 0.95, 0, 0.2775327998628892],
    [10, 10, 0.95, 0.7224672001371106, 1],
    [21, 100, 0.95, 0.14165654061915303, 0.2997996883408986],
    [1, 2, 0.95, 0.09453120573423071, 0.9054687942657693],
    [21, 100, 0.9, 0.15109152923706937, 0.28418724881717167],
    [13, 133, 0.99, 0.049361379212186675, 0.18435452845428227],
  ])('%s of %s at %s → [%s, %s]', (x, n, c, lo, hi) => {
    const interval = wilsonInterval(x, n, c);
    expect(interval?.[0]).toBeCloseTo(lo, 12);
    expect(interval?.[1]).toBeCloseTo(hi, 12);
  });

  it('0 of 0 is no interval: no data is not zero', () => {
    expect(wilsonInterval(0, 0, 0.95)).toBeNull();
  });
});

describe('clopperPearsonInterval', () => {
  it.each([
    [0, 10, 0.95, 0, 0.3084971078187607],
    [10, 10, 0.95, 0.6915028921812392, 1],
    [13, 133, 0.95, 0.05307838128824096, 0.16134535540848033],
    [1, 2, 0.95, 0.01257911709342506, 0.9874208829065749],
    [40, 400, 0.99, 0.0650790861291949, 0.14478444310104355],
    [2.5, 20.5, 0.95, 0.020836407857824278, 0.3412327480678387],
    [600, 5000, 1 - 0.05 / 3, 0.10921880996862551, 0.1314201937030826],
  ])('%s of %s at %s → [%s, %s]', (x, n, c, lo, hi) => {
    const interval = clopperPearsonInterval(x, n, c);
    expect(interval?.[0]).toBeCloseTo(lo, 10);
    expect(interval?.[1]).toBeCloseTo(hi, 10);
  });

  it('0 of 0 is no interval', () => {
    expect(clopperPearsonInterval(0, 0, 0.95)).toBeNull();
  });

  it('does not call 1 of 2 proven above 5%, where Wilson does', () => {
    expect(wilsonInterval(1, 2, 0.95)?.[0]).toBeGreaterThan(0.05);
    expect(clopperPearsonInterval(1, 2, 0.95)?.[0]).toBeLessThan(0.05);
  });
});

describe('lookConfidence', () => {
  it.each([
    [1, 0.95],
    [2, 1 - 0.05 / 3],
    [3, 1 - 0.05 / 6],
    [10, 1 - 0.05 / 55],
  ])('look %s of a 95%% stage is judged at %s', (look, expected) => {
    expect(lookConfidence(0.95, look)).toBeCloseTo(expected, 14);
  });

  it('spends at most the stage budget over any number of looks', () => {
    let spent = 0;
    for (let k = 1; k <= 100_000; k++) spent += (1 - lookConfidence(0.95, k)) / 2;
    expect(spent).toBeLessThan(0.05);
    expect(spent).toBeGreaterThan(0.0499);
  });
});
