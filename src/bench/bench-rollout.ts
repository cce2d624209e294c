import type { DecideInput, DecisionCounters } from '../engine/decide.js';
import type { Measurement } from '../ports/metrics-provider.js';
import { parseCriterion } from '../rollout/criteria.js';
import type { Rollout, Stage } from '../rollout/types.js';

/*
 * The decision-quality benchmark's release plan (the Event Bus Gateway's:
 * canary 2% for 4h, then 25%, 50%, 75%, 100% for 8h each, a check every 5
 * minutes), and decide()'s input for one check of a simulated stage.
 */

export const CHECK_MS = 5 * 60_000;
export const HOUR = 3_600_000;

const THRESHOLD_TEXT = {
  advance: 'error_rate < 5%',
  rollback: 'error_rate > 5% for 2 checks',
};

/** A stage that advances on its own (no minSamples, no approval). */
export function benchStage(name: string, percent: number, minDurationMs: number): Stage {
  return { name, percent, minDurationMs, minSamples: undefined, approval: false };
}

export const BENCH_ROLLOUT: Rollout = {
  name: 'bench-release',
  description: 'decision-quality benchmark',
  source: undefined,
  specHash: 'bench',
  toggle: {
    provider: 'memory',
    feature: 'bench',
    gate: 'percentage_of_actors',
    onRollback: 'zero',
    onComplete: 'keep',
  },
  start: { kind: 'immediately' },
  check: { schedule: { kind: 'every', everyMs: CHECK_MS }, timezone: 'UTC', advanceDuring: undefined },
  stages: [
    benchStage('canary', 2, 4 * HOUR),
    benchStage('stage-b', 25, 8 * HOUR),
    benchStage('stage-c', 50, 8 * HOUR),
    benchStage('stage-d', 75, 8 * HOUR),
    benchStage('stage-e', 100, 8 * HOUR),
  ],
  samples: undefined,
  metrics: {
    error_rate: {
      name: 'error_rate',
      provider: undefined,
      query: { kind: 'ratio', numerator: 'errors', denominator: 'requests' },
      window: { kind: 'stage' },
    },
  },
  criteria: {
    advance: [parseCriterion(THRESHOLD_TEXT.advance)],
    rollback: [parseCriterion(THRESHOLD_TEXT.rollback)],
  },
  policy: { noData: 'hold', maxConsecutiveErrors: 4, confidence: 0.95, maxStageDurationMs: 72 * HOUR },
  postLaunchMs: [],
  notify: [],
};

export interface SimulatedCheck {
  readonly rollout: Rollout;
  readonly now: number;
  readonly stageIndex: number;
  /** when the stage's write landed: its clock and `stage` windows start there */
  readonly stageStart: number;
  readonly counters: DecisionCounters;
  readonly measurements: Readonly<Record<string, Measurement>>;
}

/** decide()'s input as the machine builds it for a TICK: no approval given, the stage deadline from maxStageDuration. */
export function checkInput(c: SimulatedCheck): DecideInput {
  return {
    rollout: c.rollout,
    now: c.now,
    stageIndex: c.stageIndex,
    stageStartedAt: c.stageStart,
    stageDeadline: c.stageStart + (c.rollout.policy.maxStageDurationMs ?? 72 * HOUR),
    approved: false,
    counters: c.counters,
    measurements: c.measurements,
  };
}
