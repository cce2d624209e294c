import { ZERO_COUNTERS, type DecideInput } from '../../src/engine/decide.js';
import type { Measurement } from '../../src/ports/metrics-provider.js';
import type { ToggleState } from '../../src/ports/toggle-provider.js';
import { parseCriterion } from '../../src/rollout/criteria.js';
import type { AdvanceWindow, MetricSpec, Rollout, Stage } from '../../src/rollout/types.js';
import { toggleState } from '../../src/providers/toggles/toggle-state.js';

/*
 * Normalized Rollouts built in code for engine tests: a small, realistic
 * default (canary 10% for 1h, then 50%, then 100%; error_rate over the stage,
 * `sent` as the samples metric) with overrides for the part under test.
 */

export const T0 = Date.parse('2025-06-17T13:00:00Z'); // Tue 09:00 America/New_York
export const MIN = 60_000;
export const HOUR = 3_600_000;

export function stage(name: string, percent: number, extra: Partial<Stage> = {}): Stage {
  return { name, percent, minDurationMs: HOUR, minSamples: undefined, approval: false, ...extra };
}

export function ratioMetric(name: string, window: MetricSpec['window'] = { kind: 'stage' }): MetricSpec {
  return {
    name,
    provider: undefined,
    query: {
      kind: 'ratio',
      numerator: `sum:${name}.num{*}.as_count()`,
      denominator: `sum:${name}.den{*}.as_count()`,
    },
    window,
  };
}

export function valueMetric(name: string, window: MetricSpec['window'] = { kind: 'stage' }): MetricSpec {
  return {
    name,
    provider: undefined,
    query: { kind: 'value', query: `sum:${name}{*}.as_count()`, aggregator: 'sum' },
    window,
  };
}

export interface RolloutOverrides {
  readonly name?: string;
  readonly stages?: readonly Stage[];
  readonly advance?: readonly string[];
  readonly rollback?: readonly string[];
  readonly metrics?: readonly MetricSpec[];
  readonly samples?: string;
  readonly start?: Rollout['start'];
  readonly advanceDuring?: AdvanceWindow;
  readonly timezone?: string;
  readonly policy?: Partial<Rollout['policy']>;
  readonly toggle?: Partial<Rollout['toggle']>;
}

export function makeRollout(o: RolloutOverrides = {}): Rollout {
  const metrics = o.metrics ?? [ratioMetric('error_rate'), valueMetric('sent')];
  return {
    name: o.name ?? 'test-rollout',
    description: undefined,
    source: undefined,
    specHash: 'test',
    toggle: {
      provider: 'memory',
      feature: 'test_feature',
      gate: 'percentage_of_actors',
      onRollback: 'zero',
      onComplete: 'keep',
      ...o.toggle,
    },
    start: o.start ?? { kind: 'immediately' },
    check: {
      schedule: { kind: 'every', everyMs: 5 * MIN },
      timezone: o.timezone ?? 'America/New_York',
      advanceDuring: o.advanceDuring,
    },
    stages: o.stages ?? [stage('canary', 10), stage('half', 50), stage('full', 100)],
    samples: 'samples' in o ? o.samples : 'sent',
    metrics: Object.fromEntries(metrics.map((m) => [m.name, m])),
    criteria: {
      advance: (o.advance ?? ['error_rate < 5%']).map(parseCriterion),
      rollback: (o.rollback ?? ['error_rate > 5% for 2 checks']).map(parseCriterion),
    },
    policy: {
      noData: 'hold',
      maxConsecutiveErrors: 3,
      confidence: 0.95,
      maxStageDurationMs: undefined,
      ...o.policy,
    },
    postLaunchMs: [],
    notify: [],
  };
}

export function ratio(numerator: number, denominator: number): Measurement {
  return { kind: 'ratio', numerator, denominator, value: denominator > 0 ? numerator / denominator : 0 };
}

export function value(v: number): Measurement {
  return { kind: 'value', value: v };
}

export const NO_DATA: Measurement = { kind: 'no-data', reason: 'no series' };
export const PROVIDER_ERROR: Measurement = {
  kind: 'error',
  code: 'E_PROVIDER_UNREACHABLE',
  message: 'connect ECONNREFUSED',
};

/** Healthy readings: 1% errors over plenty of traffic. */
export function healthy(n = 2000): Record<string, Measurement> {
  return { error_rate: ratio(Math.round(n * 0.01), n), sent: value(n) };
}

/** A clear breach: 20% errors. */
export function breaching(n = 500): Record<string, Measurement> {
  return { error_rate: ratio(Math.round(n * 0.2), n), sent: value(n) };
}

export function toggleAt(percent: number, feature = 'test_feature'): ToggleState {
  return toggleState({
    feature,
    exists: true,
    enabled: false,
    percentageOfActors: percent,
    percentageOfTime: 0,
    expression: null,
    actors: [],
    groups: [],
  });
}

/** decide()'s input two hours into the first stage: no approval, no deadline, no measurements; `o` overrides. */
export function decideInput(rollout: Rollout, o: Partial<DecideInput> = {}): DecideInput {
  return {
    rollout,
    now: T0 + 2 * HOUR,
    stageIndex: 0,
    stageStartedAt: T0,
    stageDeadline: null,
    approved: false,
    counters: ZERO_COUNTERS,
    measurements: {},
    ...o,
  };
}
