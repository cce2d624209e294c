import { describe, expect, it } from 'vitest';
import { mulberry32 } from './prng.js';
import { betaBinomialSequence } from '../../../src/engine/sequential/confidence-sequence.js';
import { wilsonInterval } from '../../../src/engine/stats.js';

// Reference values: SciPy 1.17 (betaln, brentq on the same boundary, xtol 1e-15), prior weight 50.
describe('betaBinomialSequence', () => {
  it.each([
    [30, 1000, 0.95, 0.05, 0.01642599309228276, 0.04929337779192189],
    [100, 1000, 0.95, 0.05, 0.07110305274105694, 0.13490976988732928],
    [0, 80, 0.95, 0.05, 0, 0.06573833641134182],
    [1, 30, 0.95, 0.05, 0.0004948247319907111, 0.18519258745742223],
    [21, 100, 0.95, 0.3, 0.10962733179809124, 0.34199702916222396],
    [850, 1000, 0.95, 0.95, 0.8029683562277601, 0.8900919752601587],
    [4, 5, 0.99, 0.5, 0.13925870158372447, 0.9996758655603265],
  ])('%i of %i at %s (centre %s) → [%s, %s]', (x, n, conf, centre, lo, hi) => {
    const cs = betaBinomialSequence(x, n, conf, centre);
    expect(cs?.[0]).toBeCloseTo(lo, 12);
    expect(cs?.[1]).toBeCloseTo(hi, 12);
  });

  it('is no data without trials', () => {
    expect(betaBinomialSequence(0, 0, 0.95, 0.05)).toBeNull();
  });

  it('is wider than a one-look Wilson interval: the price of looking at every check', () => {
    const w = wilsonInterval(30, 1000, 0.95);
    const cs = betaBinomialSequence(30, 1000, 0.95, 0.05);
    if (!w || !cs) throw new Error('intervals');
    expect(cs[0]).toBeLessThan(w[0]);
    expect(cs[1]).toBeGreaterThan(w[1]);
  });

  it('covers the true rate at every look of a long stream with probability ≥ confidence (seeded)', () => {
    const rand = mulberry32(11);
    let missed = 0;
    const runs = 300;
    for (let r = 0; r < runs; r++) {
      let x = 0;
      let n = 0;
      for (let look = 0; look < 200; look++) {
        for (let i = 0; i < 10; i++) if (rand() < 0.05) x++;
        n += 10;
        const cs = betaBinomialSequence(x, n, 0.9, 0.05);
        if (cs && (cs[0] > 0.05 || cs[1] < 0.05)) {
          missed++;
          break;
        }
      }
    }
    expect(missed / runs).toBeLessThanOrEqual(0.1);
  });
});
