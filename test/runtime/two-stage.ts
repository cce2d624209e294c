import type { Measurement, MetricRequest, MetricsProvider } from '../../src/ports/metrics-provider.js';
import { parseRolloutText } from '../../src/rollout/loader.js';
import type { RolloutSummary } from '../../src/ports/state-store.js';
import type { Rollout } from '../../src/rollout/types.js';
import { rolloutYaml } from '../controller/rollout-yaml.js';

/* The small rollout the runtime fault tests share: a 5% canary of 10 minutes, then 100%. */
export function twoStageRollout(name: string): Rollout {
  return parseRolloutText(
    rolloutYaml({
      name,
      stages: [
        { name: 'canary', percent: 5, minDuration: '10m' },
        { name: 'full', percent: 100, minDuration: '1s' },
      ],
    }),
    `rollouts/${name}.yaml`,
  );
}

/** A rollout of twoStageRollout() running in its canary (5%), checked once at t=1. */
export function canarySummary(over: Partial<RolloutSummary> = {}): RolloutSummary {
  return {
    state: 'running',
    stage: 'canary',
    stageIndex: 0,
    percent: 5,
    reason: null,
    lastCheck: 1,
    ...over,
  };
}

/** One check's measurements of twoStageRollout(): 60,000 requests, `errorPercent`% of them failed. */
export function looks(errorPercent: number): Record<string, Measurement> {
  return {
    error_rate: {
      kind: 'ratio',
      value: errorPercent / 100,
      numerator: errorPercent * 600,
      denominator: 60_000,
    },
    requests: { kind: 'value', value: 60_000 },
  };
}

/** 60,000 sends per check with `errorPercent()`% of them failed: 1 is healthy, 20 a breach. */
export function errorRateProvider(errorPercent: () => number): MetricsProvider {
  return {
    name: 'fake',
    query: async () => ({ kind: 'value', value: 0 }),
    queryMany: async (reqs: readonly MetricRequest[]): Promise<Measurement[]> =>
      reqs.map((r) =>
        r.id === 'error_rate'
          ? {
              kind: 'ratio',
              value: errorPercent() / 100,
              numerator: errorPercent() * 600,
              denominator: 60_000,
            }
          : { kind: 'value', value: 60_000 },
      ),
  };
}
