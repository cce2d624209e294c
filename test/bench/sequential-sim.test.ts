import { describe, expect, it } from 'vitest';
import { simulatePure, type Outcome } from '../../src/bench/sequential-sim.js';
import { families, Traffic, type Family } from '../../src/bench/sequential-traffic.js';

/*
 * One seeded release at a time through the pure engine step: the outcome's
 * fields agree with each other and with the release's traffic, and the
 * policies differ the way docs/decisions.md#benchmark reports (a handful of
 * seeds, not the 1,000 releases of the benchmark).
 */

const MIN = 60_000;
const HOUR = 60 * MIN;
const SEEDS = [1, 2, 3, 4, 5];

function family(prefix: string): Family {
  const f = families().find((x) => x.name.startsWith(prefix));
  if (!f) throw new Error(`no family ${prefix}`);
  return f;
}

const everyOf = (f: Family): number =>
  f.rollout.check.schedule.kind === 'every' ? f.rollout.check.schedule.everyMs : Number.NaN;

const count = (o: Outcome, action: string): number => o.actions.filter((a) => a === action).length;

/** What holds for every outcome: one action per check up to the end, the last one the result's. */
function expectConsistent(f: Family, o: Outcome): void {
  expect(o.endedAt).toBe(o.actions.length * everyOf(f));
  const last = { 'rolled back': 'rollback', completed: 'complete', paused: 'pause' }[o.result];
  expect(o.actions.at(-1)).toBe(last);
  expect(o.actions.slice(0, -1).every((a) => a === 'hold' || a === 'advance')).toBe(true);
  expect(o.reached100).toBe(count(o, 'advance') === f.rollout.stages.length - 1);
  expect(o.cause === null).toBe(o.result === 'completed');
  // the oracle counts users after the onset up to its own alarm, which is never after the end
  if (o.oracleUsers !== null) expect(o.oracleUsers).toBeLessThanOrEqual(o.usersAfterOnset);
  if (!o.exposed) expect([o.usersAfterOnset, o.oracleUsers]).toEqual([0, null]);
}

describe('simulatePure', () => {
  it('is the same outcome for the same seed', () => {
    const f = family('mid-stage regression, window 15m');
    expect(simulatePure(f, 'stagegate', 4)).toEqual(simulatePure(f, 'stagegate', 4));
    expect(simulatePure(f, 'stagegate', 4).actions).not.toEqual(simulatePure(f, 'stagegate', 5).actions);
  });

  it('a healthy release advances through every stage after its minDuration and completes', () => {
    const f = family('healthy, window stage');
    const every = everyOf(f);
    for (const seed of SEEDS) {
      const o = simulatePure(f, 'stagegate', seed);
      expectConsistent(f, o);
      expect(o).toMatchObject({ result: 'completed', reached100: true, exposed: false, firstFailAt: null });
      // each advance comes no sooner than the stage's minDuration after the previous one
      const advancedAt = o.actions.flatMap((a, i) => (a === 'advance' ? [(i + 1) * every] : []));
      expect(advancedAt).toHaveLength(4);
      let stageStart = 0;
      for (const [k, at] of advancedAt.entries()) {
        expect(at - stageStart).toBeGreaterThanOrEqual(f.rollout.stages[k]?.minDurationMs ?? Infinity);
        stageStart = at;
      }
    }
  });

  it('a mid-stage regression is rolled back after its onset, counting the users served after it', () => {
    const f = family('mid-stage regression, window 15m');
    for (const seed of SEEDS) {
      const o = simulatePure(f, 'stagegate', seed);
      expectConsistent(f, o);
      expect(o).toMatchObject({ result: 'rolled back', cause: 'breach', exposed: true });
      expect(o.endedAt).toBeGreaterThan(new Traffic(f, seed).onset);
      expect(o.usersAfterOnset).toBeGreaterThan(0);
    }
  });

  it('the long canary’s regression (days 5–7) is rolled back on the canary, after its onset', () => {
    const f = family('long stage');
    for (const seed of SEEDS) {
      const o = simulatePure(f, 'stagegate', seed);
      expectConsistent(f, o);
      expect(o).toMatchObject({ result: 'rolled back', exposed: true });
      expect(o.endedAt).toBeGreaterThan(new Traffic(f, seed).onset);
      expect(o.endedAt).toBeLessThan(7 * 24 * HOUR + 8 * HOUR);
    }
  });

  it('a definitely failing advance criterion pauses failingFor after its unbroken failing run began', () => {
    const f = family('definitely failing');
    const failingFor = f.rollout.policy.failingForMs ?? Number.NaN;
    for (const seed of SEEDS) {
      const o = simulatePure(f, 'stagegate', seed);
      expectConsistent(f, o);
      expect(o).toMatchObject({ result: 'paused', cause: 'failing', reached100: false });
      if (o.failingFrom === null || o.firstFailAt === null) throw new Error('no failing run');
      // the first failing verdict comes first; a flicker to inconclusive restarts the run, not the first
      expect(o.firstFailAt).toBeLessThanOrEqual(o.failingFrom);
      expect(o.endedAt - o.failingFrom).toBeGreaterThanOrEqual(failingFor);
      expect(o.endedAt - o.failingFrom).toBeLessThanOrEqual(failingFor + everyOf(f));
    }
  });

  it('the point estimate rolls back healthy releases that stagegate completes', () => {
    const f = family('healthy, window stage');
    const results = (policy: 'stagegate' | 'point'): string[] =>
      SEEDS.map((s) => {
        const o = simulatePure(f, policy, s);
        expectConsistent(f, o);
        return o.result;
      });
    expect(results('stagegate')).toEqual(Array(5).fill('completed'));
    // docs: 61% of 1,000; these five seeds: four
    expect(results('point').filter((r) => r === 'rolled back').length).toBeGreaterThanOrEqual(3);
  });

  it('"before" (the per-look interval) holds a healthy canary with a 15m window until maxStageDuration', () => {
    const f = family('healthy, window 15m');
    for (const seed of SEEDS.slice(0, 2)) {
      const o = simulatePure(f, 'before', seed);
      expectConsistent(f, o);
      expect(o).toMatchObject({ result: 'paused', cause: 'stuck', reached100: false });
      expect(count(o, 'advance')).toBe(0);
      expect(o.endedAt).toBe(f.rollout.policy.maxStageDurationMs);
    }
  });
});
