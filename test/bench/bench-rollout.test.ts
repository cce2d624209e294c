import { describe, expect, it } from 'vitest';
import { BENCH_ROLLOUT, CHECK_MS, HOUR, benchStage, checkInput } from '../../src/bench/bench-rollout.js';
import { ZERO_COUNTERS } from '../../src/engine/decide.js';

/* The decision-quality benchmark's plan and decide() input (src/bench/bench-rollout.ts). */

describe('BENCH_ROLLOUT', () => {
  it('is the Event Bus Gateway plan: canary 2% for 4h, then 8h stages, a check every 5 minutes', () => {
    expect(BENCH_ROLLOUT.stages.map((s) => [s.percent, s.minDurationMs / HOUR])).toEqual([
      [2, 4],
      [25, 8],
      [50, 8],
      [75, 8],
      [100, 8],
    ]);
    expect(BENCH_ROLLOUT.check.schedule).toEqual({ kind: 'every', everyMs: CHECK_MS });
    expect(BENCH_ROLLOUT.criteria.rollback.map((c) => c.text)).toEqual(['error_rate > 5% for 2 checks']);
    expect(benchStage('x', 10, 5)).toEqual({
      name: 'x',
      percent: 10,
      minDurationMs: 5,
      minSamples: undefined,
      approval: false,
    });
  });
});

describe('checkInput', () => {
  it('puts the stage deadline maxStageDuration after the stage start, with no approval', () => {
    const measurements = { error_rate: { kind: 'no-data', reason: 'none' } as const };
    const input = checkInput({
      rollout: BENCH_ROLLOUT,
      now: 10 * CHECK_MS,
      stageIndex: 1,
      stageStart: 2 * CHECK_MS,
      counters: ZERO_COUNTERS,
      measurements,
    });
    expect(input).toEqual({
      rollout: BENCH_ROLLOUT,
      now: 10 * CHECK_MS,
      stageIndex: 1,
      stageStartedAt: 2 * CHECK_MS,
      stageDeadline: 2 * CHECK_MS + 72 * HOUR,
      approved: false,
      counters: ZERO_COUNTERS,
      measurements,
    });
  });
});
