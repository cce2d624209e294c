import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import type { Measurement, MetricRequest, MetricsProvider } from '../../src/ports/metrics-provider.js';
import { exposureOf } from '../../src/ports/toggle-exposure.js';
import type { ToggleState } from '../../src/ports/toggle-provider.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { openEngineSession } from '../../src/runtime/engine-adapter.js';
import { createRunner } from '../../src/runtime/runner.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { twoStageRollout } from './two-stage.js';

/*
 * Issue 11 "one anomalous Flipper read": a 200 with empty gates, once, is not
 * drift; the runner reads again and the engine sees the second read. Two
 * drifted reads in a row are drift, as before.
 */

const rollout = twoStageRollout('drift');
const FEATURE = rollout.toggle.feature;

const EMPTY_GATES: ToggleState = {
  feature: FEATURE,
  exists: true,
  enabled: false,
  percentageOfActors: 0,
  percentageOfTime: 0,
  expression: null,
  actors: [],
  groups: [],
  exposure: exposureOf({
    exists: true,
    enabled: false,
    percentageOfActors: 0,
    percentageOfTime: 0,
    expression: null,
    actors: [],
    groups: [],
  }),
};

async function atCanaryThenReads(anomalousReads: number): Promise<{ state: string; reads: number }> {
  const store = new MemoryStateStore();
  const toggles = new MemoryToggleProvider({ features: [FEATURE] });
  const metrics: MetricsProvider = {
    name: 'fake',
    query: async () => ({ kind: 'value', value: 0 }),
    queryMany: async (reqs: readonly MetricRequest[]): Promise<Measurement[]> =>
      reqs.map((r) =>
        r.id === 'error_rate'
          ? { kind: 'ratio', value: 0.01, numerator: 600, denominator: 60_000 }
          : { kind: 'value', value: 60_000 },
      ),
  };
  let clock = Date.UTC(2026, 0, 5, 12);
  const runner = createRunner({
    store,
    metricsFor: () => metrics,
    toggleFor: () => toggles,
    openSession: openEngineSession,
    notify: () => undefined,
    logger: silentLogger(),
    now: () => clock,
  });
  await runner.check(rollout);
  expect((await toggles.read(FEATURE)).percentageOfActors).toBe(5);
  const real = toggles.read.bind(toggles);
  let reads = 0;
  let left = anomalousReads;
  toggles.read = async (f) => {
    reads++;
    if (left-- > 0) return EMPTY_GATES;
    return real(f);
  };
  clock += 60_000;
  await runner.check(rollout);
  return { state: (await store.load('drift'))?.summary.state ?? 'none', reads };
}

describe('drift is confirmed by a second read', () => {
  it('one anomalous read (200 with empty gates): not drift, the rollout keeps running', async () => {
    expect(await atCanaryThenReads(1)).toEqual({ state: 'running', reads: 2 });
  });

  it('a matching first read: one read only', async () => {
    expect(await atCanaryThenReads(0)).toEqual({ state: 'running', reads: 1 });
  });

  it('two drifted reads in a row: drift, paused', async () => {
    expect(await atCanaryThenReads(2)).toEqual({ state: 'paused', reads: 2 });
  });
});
