import { describe, expect, it } from 'vitest';
import { binomial, poisson, prng } from '../../src/bench/seeded-random.js';

/* The simulations' seeded draws (src/bench/seeded-random.ts). */

describe('prng', () => {
  it('repeats a seed’s sequence, differs across seeds, and stays in [0, 1)', () => {
    const a = prng(42);
    const b = prng(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(prng(43)()).not.toBe(xs[0]);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});

describe('poisson and binomial', () => {
  it('draw around their means, and nothing for an empty mean or trial count', () => {
    const rand = prng(7);
    const n = 4000;
    const poissonMean = Array.from({ length: n }, () => poisson(rand, 12)).reduce((s, x) => s + x, 0) / n;
    expect(poissonMean).toBeGreaterThan(11.5);
    expect(poissonMean).toBeLessThan(12.5);
    const draws = Array.from({ length: n }, () => binomial(rand, 200, 0.05));
    const binomialMean = draws.reduce((s, x) => s + x, 0) / n;
    expect(binomialMean).toBeGreaterThan(9.5);
    expect(binomialMean).toBeLessThan(10.5);
    expect(draws.every((x) => Number.isInteger(x) && x >= 0 && x <= 200)).toBe(true);
    expect([poisson(rand, 0), binomial(rand, 0, 0.5), binomial(rand, 10, 0)]).toEqual([0, 0, 0]);
  });
});
