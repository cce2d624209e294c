import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Measurement } from '../ports/metrics-provider.js';
import { ROLLOUT_STATES, type RolloutSummary } from '../ports/state-store.js';
import type { Criterion } from '../rollout/types.js';

/*
 * Prometheus metrics (`GET /metrics`). The controller reports what happens
 * through the small `MetricsRecorder` interface below, so the runner does not
 * depend on prom-client and tests can pass `noopMetrics`. Everything lives in
 * its own Registry (not prom-client's global one), so two servers in one
 * process (tests) never collide.
 */

export interface CheckObservation {
  readonly rollout: string;
  /** the engine's decision for this check: advance | hold | pause | rollback | complete */
  readonly decision: string;
  readonly measurements: Readonly<Record<string, Measurement>>;
  /** the rollout's criteria, for the threshold gauges */
  readonly criteria?: {
    readonly advance: readonly Criterion[];
    readonly rollback: readonly Criterion[];
  };
}

export interface ProviderRequestObservation {
  readonly provider: string;
  readonly durationSeconds: number;
  /** false when the call failed or any of its measurements was an error */
  readonly ok: boolean;
}

export interface ProviderErrorObservation {
  readonly provider: string;
  /** the error measurement's or StagegateError's code, e.g. E_PROVIDER_RATE_LIMITED */
  readonly code: string;
}

export interface RateLimitObservation {
  readonly provider: string;
  /** Datadog's X-RateLimit-Name, e.g. `query_scalar` */
  readonly name: string;
  readonly remaining: number;
}

export interface ToggleWriteObservation {
  readonly rollout: string;
  readonly action: 'set' | 'disable' | 'enable';
  readonly ok: boolean;
}

/** What the controller calls; see the calls listed in docs/http-api.md, "Prometheus metrics". */
export interface MetricsRecorder {
  recordCheck(check: CheckObservation): void;
  recordSummary(rollout: string, summary: RolloutSummary): void;
  recordProviderRequest(request: ProviderRequestObservation): void;
  recordProviderError(error: ProviderErrorObservation): void;
  recordRateLimit(limit: RateLimitObservation): void;
  recordToggleWrite(write: ToggleWriteObservation): void;
  recordRollback(rollout: string): void;
  /** a rollout file was removed: drop its series */
  forgetRollout(rollout: string): void;
}

export const noopMetrics: MetricsRecorder = {
  recordCheck: () => undefined,
  recordSummary: () => undefined,
  recordProviderRequest: () => undefined,
  recordProviderError: () => undefined,
  recordRateLimit: () => undefined,
  recordToggleWrite: () => undefined,
  recordRollback: () => undefined,
  forgetRollout: () => undefined,
};

export interface StagegateMetricsOptions {
  /** process metrics (CPU, memory, event loop, GC); default true */
  readonly defaultMetrics?: boolean;
}

// Provider calls range from a few ms (local Flipper) to Datadog's 10 s timeout.
const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class StagegateMetrics implements MetricsRecorder {
  readonly registry = new Registry();

  private readonly percent = new Gauge({
    name: 'stagegate_rollout_percent',
    help: 'What the toggle was last set to, in percent (0-100)',
    labelNames: ['rollout'] as const,
    registers: [this.registry],
  });

  private readonly state = new Gauge({
    name: 'stagegate_rollout_state',
    help: 'Current state of the rollout: 1 for the current state, 0 for the others',
    labelNames: ['rollout', 'state'] as const,
    registers: [this.registry],
  });

  private readonly checks = new Counter({
    name: 'stagegate_checks_total',
    help: 'Checks run, by the decision they produced',
    labelNames: ['rollout', 'result'] as const,
    registers: [this.registry],
  });

  private readonly metricValue = new Gauge({
    name: 'stagegate_metric_value',
    help: 'Value measured by the last check (ratios as fractions); absent when the last check had no data or an error',
    labelNames: ['rollout', 'metric'] as const,
    registers: [this.registry],
  });

  private readonly metricThreshold = new Gauge({
    name: 'stagegate_metric_threshold',
    help: 'Threshold of each criterion (percent criteria as fractions)',
    labelNames: ['rollout', 'metric', 'kind', 'op'] as const,
    registers: [this.registry],
  });

  private readonly providerDuration = new Histogram({
    name: 'stagegate_provider_request_duration_seconds',
    help: 'Duration of provider requests',
    labelNames: ['provider', 'outcome'] as const,
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });

  private readonly providerErrors = new Counter({
    name: 'stagegate_provider_errors_total',
    help: 'Provider failures, by error code: one per failed metric query or toggle call',
    labelNames: ['provider', 'code'] as const,
    registers: [this.registry],
  });

  private readonly rateLimitRemaining = new Gauge({
    name: 'stagegate_datadog_ratelimit_remaining',
    help: 'X-RateLimit-Remaining of the last Datadog response, per rate-limit name',
    labelNames: ['provider', 'name'] as const,
    registers: [this.registry],
  });

  private readonly rollbacks = new Counter({
    name: 'stagegate_rollbacks_total',
    help: 'Rollbacks completed (the toggle was turned off), whatever started them: a breach, policy, or an abort',
    labelNames: ['rollout'] as const,
    registers: [this.registry],
  });

  private readonly toggleWrites = new Counter({
    name: 'stagegate_toggle_writes_total',
    help: 'Toggle writes, by action and result',
    labelNames: ['rollout', 'action', 'result'] as const,
    registers: [this.registry],
  });

  /** label sets written per rollout, so stale ones can be removed */
  private readonly seen = new Map<string, { metrics: Set<string>; thresholds: Set<string> }>();

  constructor(opts: StagegateMetricsOptions = {}) {
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'stagegate_' });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  recordCheck(check: CheckObservation): void {
    const { rollout } = check;
    this.checks.inc({ rollout, result: check.decision });
    const seen = this.seenFor(rollout);
    for (const [metric, m] of Object.entries(check.measurements)) {
      if (m.kind === 'value' || m.kind === 'ratio') {
        this.metricValue.set({ rollout, metric }, m.value);
        seen.metrics.add(metric);
      } else {
        // a stale value would look like a current one: no data → no sample
        this.metricValue.remove({ rollout, metric });
        seen.metrics.delete(metric);
      }
    }
    if (check.criteria) {
      const current = new Set<string>();
      for (const kind of ['advance', 'rollback'] as const) {
        for (const c of check.criteria[kind]) {
          const labels = { rollout, metric: c.metric, kind, op: c.op };
          this.metricThreshold.set(labels, c.threshold);
          current.add(JSON.stringify([c.metric, kind, c.op]));
        }
      }
      // criteria edited out of the spec must not linger
      for (const key of seen.thresholds) {
        if (current.has(key)) continue;
        const [metric, kind, op] = JSON.parse(key) as [string, string, string];
        this.metricThreshold.remove({ rollout, metric, kind, op });
      }
      seen.thresholds = current;
    }
  }

  recordSummary(rollout: string, summary: RolloutSummary): void {
    this.percent.set({ rollout }, summary.percent);
    for (const state of ROLLOUT_STATES) this.state.set({ rollout, state }, state === summary.state ? 1 : 0);
    this.seenFor(rollout);
  }

  recordProviderRequest(request: ProviderRequestObservation): void {
    this.providerDuration.observe(
      { provider: request.provider, outcome: request.ok ? 'ok' : 'error' },
      request.durationSeconds,
    );
  }

  recordProviderError(error: ProviderErrorObservation): void {
    this.providerErrors.inc({ provider: error.provider, code: error.code });
  }

  recordRateLimit(limit: RateLimitObservation): void {
    this.rateLimitRemaining.set({ provider: limit.provider, name: limit.name }, limit.remaining);
  }

  recordToggleWrite(write: ToggleWriteObservation): void {
    this.toggleWrites.inc({
      rollout: write.rollout,
      action: write.action,
      result: write.ok ? 'ok' : 'error',
    });
  }

  recordRollback(rollout: string): void {
    this.rollbacks.inc({ rollout });
  }

  forgetRollout(rollout: string): void {
    const seen = this.seen.get(rollout);
    this.percent.remove({ rollout });
    for (const state of ROLLOUT_STATES) this.state.remove({ rollout, state });
    if (seen) {
      for (const metric of seen.metrics) this.metricValue.remove({ rollout, metric });
      for (const key of seen.thresholds) {
        const [metric, kind, op] = JSON.parse(key) as [string, string, string];
        this.metricThreshold.remove({ rollout, metric, kind, op });
      }
    }
    this.seen.delete(rollout);
  }

  private seenFor(rollout: string): { metrics: Set<string>; thresholds: Set<string> } {
    let seen = this.seen.get(rollout);
    if (!seen) {
      seen = { metrics: new Set(), thresholds: new Set() };
      this.seen.set(rollout, seen);
    }
    return seen;
  }
}
