import { describe, expect, it } from 'vitest';
import { pointEstimate } from '../../src/bench/bench-judges.js';
import { simulateRelease } from '../../src/bench/release-sim.js';
import { SEQUENTIAL_DECISIONS } from '../../src/engine/decide.js';
import { judgeCriterion } from '../../src/engine/judge.js';

/* One simulated release of the decision-quality benchmark (src/bench/release-sim.ts). */

describe('simulateRelease', () => {
  it('is reproducible from its seed', () => {
    const a = simulateRelease(judgeCriterion, 'bad', 11, SEQUENTIAL_DECISIONS);
    expect(simulateRelease(judgeCriterion, 'bad', 11, SEQUENTIAL_DECISIONS)).toEqual(a);
  });

  it('completes most healthy releases and rolls back most bad ones, exposed from the first check', () => {
    const seeds = Array.from({ length: 20 }, (_, i) => 1000 + i);
    const healthy = seeds.map((s) => simulateRelease(judgeCriterion, 'healthy', s, SEQUENTIAL_DECISIONS));
    const bad = seeds.map((s) => simulateRelease(judgeCriterion, 'bad', s, SEQUENTIAL_DECISIONS));
    expect(healthy.filter((o) => o.result === 'completed' && o.reached100At !== null).length).toBeGreaterThan(
      15,
    );
    expect(healthy.every((o) => !o.exposed && o.checksToRollback === null)).toBe(true);
    expect(bad.filter((o) => o.result === 'rolled back').length).toBeGreaterThan(15);
    expect(bad.every((o) => o.exposed && o.reached100At === null)).toBe(true);
    const rolledBack = bad.filter((o) => o.result === 'rolled back');
    expect(rolledBack.every((o) => (o.checksToRollback ?? 0) >= 2 && o.usersExposed > 0)).toBe(true);
  });

  it('a late regression is exposed only from the 50% stage on', () => {
    const late = Array.from({ length: 10 }, (_, i) => simulateRelease(pointEstimate, 'late', 500 + i, {}));
    const exposed = late.filter((o) => o.exposed);
    expect(exposed.length).toBeGreaterThan(0);
    // the users counted are the ones after the 50% stage started, not the canary's
    expect(exposed.every((o) => o.usersExposed > 0)).toBe(true);
    expect(late.filter((o) => !o.exposed).every((o) => o.usersExposed === 0)).toBe(true);
  });
});
