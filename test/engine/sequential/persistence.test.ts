import { describe, expect, it } from 'vitest';
import {
  advanceStreak,
  NO_STREAK,
  persisted,
  type Reading,
  type Streak,
} from '../../../src/engine/sequential/persistence.js';

const MIN = 60_000;

function run(readings: readonly [number, Reading][]): Streak {
  return readings.reduce((s, [at, r]) => advanceStreak(s, r, at), NO_STREAK);
}

describe('for <n> checks / for <duration>', () => {
  it('counts consecutive holding checks and remembers the first', () => {
    expect(
      run([
        [0, 'holds'],
        [5 * MIN, 'holds'],
      ]),
    ).toEqual({ checks: 2, since: 0 });
  });

  it('a check without a reading neither extends nor breaks; a clear one ends it', () => {
    expect(
      run([
        [0, 'holds'],
        [5 * MIN, 'unknown'],
        [10 * MIN, 'holds'],
      ]),
    ).toEqual({ checks: 2, since: 0 });
    expect(
      run([
        [0, 'holds'],
        [5 * MIN, 'clear'],
        [10 * MIN, 'holds'],
      ]),
    ).toEqual({ checks: 1, since: 10 * MIN });
  });

  it.each([
    // [forChecks, forMs, checks held (5 minutes apart), persisted?]
    [1, undefined, 1, true],
    [2, undefined, 1, false],
    [2, undefined, 2, true],
    [1, 10 * MIN, 2, false], // held 5 minutes
    [1, 10 * MIN, 3, true], // held 10 minutes, measured by the checks' timestamps
    [1, 0.5 * MIN, 1, false], // one check holds for no time at all
  ])('forChecks %i, forMs %s, %i checks → %s', (forChecks, forMs, n, expected) => {
    const readings = Array.from({ length: n }, (_, i) => [i * 5 * MIN, 'holds'] as [number, Reading]);
    const s = run(readings);
    const c = forMs === undefined ? { forChecks } : { forChecks, forMs };
    expect(persisted(c, s, (n - 1) * 5 * MIN)).toBe(expected);
  });
});
