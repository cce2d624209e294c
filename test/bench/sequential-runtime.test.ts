import { describe, expect, it } from 'vitest';
import { simulateRuntime } from '../../src/bench/sequential-runtime.js';
import { simulatePure } from '../../src/bench/sequential-sim.js';
import { families, type Family } from '../../src/bench/sequential-traffic.js';

/*
 * The real runtime (simulateRollout with the synthetic Datadog) decides as
 * the pure engine step at every check of the same seeded release: one small
 * seed per outcome shape (a rollback mid-stage, a completion, the 7-day
 * canary, sparse traffic with noData: zero, a failing pause).
 */

function family(prefix: string): Family {
  const f = families().find((x) => x.name.startsWith(prefix));
  if (!f) throw new Error(`no family ${prefix}`);
  return f;
}

describe('simulateRuntime', () => {
  it.each([
    ['mid-stage regression, window 15m', 1, 'rollback'],
    ['healthy, window stage', 2, 'complete'],
    ['long stage', 1, 'rollback'],
    ['sparse (10–50', 3, 'complete'],
    ['sparse (10–50', 1, 'rollback'],
    ['definitely failing', 1, 'pause'],
  ])('%s, seed %i: every check’s action is the pure step’s, ending in %s', async (prefix, seed, last) => {
    const f = family(prefix);
    const pure = simulatePure(f, 'stagegate', seed).actions;
    const real = await simulateRuntime(f, seed);
    expect(real.at(-1)).toBe(last);
    expect(real).toEqual(pure);
  });

  it('is another release for another seed (the comparison above is not vacuous)', async () => {
    const f = family('definitely failing');
    const real = await simulateRuntime(f, 1);
    expect(real).toEqual(await simulateRuntime(f, 1));
    expect(real).not.toEqual(simulatePure(f, 'stagegate', 2).actions);
  });
});
