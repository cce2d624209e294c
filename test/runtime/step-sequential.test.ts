import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import type { Measurement, MetricRequest, MetricsProvider } from '../../src/ports/metrics-provider.js';
import { MemoryToggleProvider } from '../../src/providers/toggles/memory.js';
import { openEngineSession } from '../../src/runtime/engine-adapter.js';
import { createRunner } from '../../src/runtime/runner.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { MIN, T0, makeRollout, ratioMetric } from '../engine/rollout-factory.js';

/*
 * The sequential decisions through the production check (runner → measure →
 * step): each check asks only for its increment, the detector's state is in
 * the saved snapshot, and a restart that checks the same moment again counts
 * nothing twice. The `check` line carries the evidence.
 */

/** 10 requests and 1 error per minute of any window asked. */
class PerMinute implements MetricsProvider {
  readonly name = 'per-minute';
  readonly asked: MetricRequest[] = [];
  query(): Promise<Measurement> {
    return Promise.reject(new Error('unused'));
  }
  queryMany(rs: readonly MetricRequest[]): Promise<Measurement[]> {
    this.asked.push(...rs);
    return Promise.resolve(
      rs.map(({ window }) => {
        const m = (window.to - window.from) / MIN;
        return { kind: 'ratio', numerator: m, denominator: 10 * m, value: 0.1 };
      }),
    );
  }
}

const rollout = makeRollout({
  metrics: [ratioMetric('error_rate', { kind: 'duration', ms: 15 * MIN })],
  samples: undefined,
  advance: [],
  rollback: ['error_rate > 5% for 2 checks'],
  // long stages: the threshold is high enough that 10% for a few checks does not roll back yet
  stages: [
    { name: 'canary', percent: 10, minDurationMs: 72 * 60 * MIN, minSamples: undefined, approval: false },
    { name: 'full', percent: 100, minDurationMs: 72 * 60 * MIN, minSamples: undefined, approval: false },
  ],
});

function setup(
  store = new MemoryStateStore(),
  toggles = new MemoryToggleProvider({ features: ['test_feature'] }),
) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const provider = new PerMinute();
  let now = T0;
  const runner = createRunner({
    store,
    metricsFor: () => provider,
    toggleFor: () => toggles,
    openSession: openEngineSession,
    notify: () => undefined,
    logger: createLogger({ destination: sink }),
    now: () => now,
    settleMs: 0,
  });
  return { store, toggles, provider, lines, runner, at: (t: number) => void (now = t) };
}

async function detector(store: MemoryStateStore) {
  const rec = await store.load(rollout.name);
  const snap = rec?.snapshot as {
    context: { counters: { detectors?: Record<string, { trials: number; through: number }> } };
  };
  return snap.context.counters.detectors?.['error_rate > 5% for 2 checks'];
}

describe('sequential decisions in the runner', () => {
  it('asks each check for its increment, keeps the detector in the snapshot, and a restart counts nothing twice', async () => {
    const a = setup();
    a.at(T0);
    await a.runner.check(rollout); // starts: the canary write takes effect at T0
    a.at(T0 + 5 * MIN);
    await a.runner.check(rollout);
    a.at(T0 + 10 * MIN);
    await a.runner.check(rollout);
    expect(a.provider.asked.map((r) => [(r.window.from - T0) / MIN, (r.window.to - T0) / MIN])).toEqual([
      [0, 5],
      [5, 10],
    ]);
    expect(await detector(a.store)).toMatchObject({ trials: 100, through: T0 + 10 * MIN });

    // a restarted controller (new runner, same store) checks the same moment again: nothing new
    const b = setup(a.store, a.toggles);
    b.at(T0 + 10 * MIN);
    await b.runner.check(rollout);
    expect(b.provider.asked).toEqual([]);
    expect(await detector(a.store)).toMatchObject({ trials: 100, through: T0 + 10 * MIN });
    b.at(T0 + 15 * MIN);
    await b.runner.check(rollout);
    expect(await detector(a.store)).toMatchObject({ trials: 150, through: T0 + 15 * MIN });

    const check = b.lines.filter((l) => l.msg === 'check').at(-1) as {
      metrics: Record<string, { evidence?: string[]; counts?: string }>;
    };
    expect(check.metrics.error_rate?.counts).toBe('15/150');
    expect(check.metrics.error_rate?.evidence?.[0]).toMatch(
      /^error_rate > 5% for 2 checks: evidence \d+(\.\d)? of \d+(\.\d)? \(CUSUM, 150 trials this stage\)$/,
    );
  });
});
