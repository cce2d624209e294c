import { describe, expect, it } from 'vitest';
import { median, pct } from '../../src/bench/summary-stats.js';

/* The benchmarks' summaries (src/bench/summary-stats.ts). */

describe('median', () => {
  it.each([
    [[], null],
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
  ])('%j → %s', (values, expected) => {
    expect(median(values)).toBe(expected);
  });
});

describe('pct', () => {
  it('one decimal, n/a of nothing', () => {
    expect([pct(1, 3), pct(0, 10), pct(5, 0)]).toEqual(['33.3%', '0.0%', 'n/a']);
  });
});
