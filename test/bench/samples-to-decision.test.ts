import { describe, expect, it } from 'vitest';
import { samplesToDecision } from '../../src/bench/samples-to-decision.js';

/* Samples until an advance criterion passes or fails (src/bench/samples-to-decision.ts). */

describe('samplesToDecision', () => {
  it('prints one row per true rate, the confidence sequence needing more samples than the one-look interval', () => {
    const rows = samplesToDecision(20250617).split('\n');
    expect(rows[0]).toBe(
      '| true rate | confidence sequence | Wilson (one-look interval, looked at every check) |',
    );
    expect(rows.slice(2).map((r) => r.split(' | ')[0])).toEqual(['| 3% (pass)', '| 10% (fail)']);
    for (const row of rows.slice(2)) {
      const [sequence, wilson] = row
        .split(' | ')
        .slice(1)
        .map((c) => Number(c.replace(' |', '')));
      expect(sequence).toBeGreaterThan(wilson ?? Infinity);
      expect((sequence ?? 0) % 20).toBe(0);
    }
  });
});
