import { describe, expect, it } from 'vitest';
import { run } from '../../src/bench/fault-latency.js';

/*
 * Issue 11's latencies with tiny sizes: 1 abort behind a hung Datadog, 5
 * breaching checks on a healthy and on a failing store. The bench itself
 * throws when the toggle is not off afterwards; here: the printed rows and
 * their counts, and median ≤ p90 ≤ max.
 */

describe('fault latency benchmark', () => {
  it('prints the three faults with their sample counts', { timeout: 60_000 }, async () => {
    let printed = '';
    const out = await run({ aborts: 1, checks: 5, write: (t) => (printed += t) });
    expect(printed).toBe(`${out}\n`);
    const rows = out.split('\n').slice(2);
    expect(rows.map((r) => r.split(' | ')[0])).toEqual([
      '| Datadog query hung (never answers, 60 s timeout)',
      '| none (baseline)',
      '| record save fails (E_STORE_UNAVAILABLE)',
    ]);
    const counts = rows.map((r) => Number(/\(n=(\d+)\)/.exec(r)?.[1]));
    expect(counts).toEqual([1, 5, 5]);
    for (const r of rows) {
      const m = /median ([\d.]+) ms, p90 ([\d.]+) ms, max ([\d.]+) ms/.exec(r);
      const [median, p90, max] = [m?.[1], m?.[2], m?.[3]].map(Number) as [number, number, number];
      expect(median).toBeGreaterThan(0);
      expect(median).toBeLessThanOrEqual(p90);
      expect(p90).toBeLessThanOrEqual(max);
    }
    // the abort answers well before the hung query's 60 s timeout
    const abortMax = Number(/max ([\d.]+) ms/.exec(rows[0] ?? '')?.[1]);
    expect(abortMax).toBeLessThan(60_000);
  });
});
