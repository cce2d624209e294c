import type { Measurement, MetricRequest, MetricsProvider } from '../ports/metrics-provider.js';
import { MemoryToggleProvider } from '../providers/toggles/memory.js';
import { simulateRollout } from '../runtime/simulate-run.js';
import { MemoryStateStore } from '../store/memory-store.js';
import { answerFor, Traffic, type Bucket, type Family } from './sequential-traffic.js';

/*
 * The same release through the real runtime (simulateRollout: the runner,
 * the memory store and toggle, a virtual clock): a synthetic Datadog that
 * draws each check's bucket from the release's Traffic at the percent the
 * toggle reads, and answers any window by summing buckets. Returns every
 * check's action after the start, to compare with the pure step.
 */

const MIN = 60_000;

class SyntheticDatadog implements MetricsProvider {
  readonly name = 'synthetic';
  readonly #buckets = new Map<number, Bucket>();
  constructor(
    private readonly f: Family,
    private readonly traffic: Traffic,
    private readonly toggles: MemoryToggleProvider,
  ) {}

  query(): Promise<Measurement> {
    return Promise.reject(new Error('the runtime asks queryMany'));
  }

  async queryMany(requests: readonly MetricRequest[]): Promise<Measurement[]> {
    const to = Math.max(...requests.map((r) => r.window.to));
    if (!this.#buckets.has(to)) {
      const state = await this.toggles.read(this.f.rollout.toggle.feature);
      const percent = state.percentageOfActors;
      const index = Math.max(
        0,
        this.f.rollout.stages.findIndex((s) => s.percent === percent),
      );
      this.#buckets.set(to, this.traffic.bucket(to, percent, index));
    }
    return requests.map(({ id, window }) => {
      const spec = this.f.rollout.metrics[id];
      if (!spec) return { kind: 'error', code: 'E_PROVIDER_BAD_REQUEST', message: `no metric ${id}` };
      let x = 0;
      let n = 0;
      for (const [at, b] of this.#buckets) {
        // a bucket is timestamped by its end: it covers (at − every, at]
        if (at > window.from && at <= window.to) {
          x += b[id]?.x ?? 0;
          n += b[id]?.n ?? 0;
        }
      }
      return answerFor(spec, x, n);
    });
  }
}

export async function simulateRuntime(f: Family, seed: number): Promise<string[]> {
  const toggles = new MemoryToggleProvider({ features: [f.rollout.toggle.feature] });
  const traffic = new Traffic(f, seed);
  const every = f.rollout.check.schedule.kind === 'every' ? f.rollout.check.schedule.everyMs : 5 * MIN;
  const result = await simulateRollout({
    rollout: f.rollout,
    metrics: new SyntheticDatadog(f, traffic, toggles),
    store: new MemoryStateStore(),
    toggles,
    from: 0,
    until: 100_000 * every,
  });
  // the first check starts the rollout (no measurements); the pure step begins at the next
  return result.timeline.slice(1).map((e) => e.action);
}
