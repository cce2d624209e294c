import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ROLLOUT_STATES, type RolloutSummary } from '../ports/state-store.js';
import type { MonotonicClock } from '../ports/clock.js';
import { CHECKED_STATES, CheckAges } from './check-age.js';

/*
 * Prometheus metrics (`GET /metrics`). The controller reports what happens
 * through the small `MetricsRecorder` interface below, so the runner does not
 * depend on prom-client and tests can pass `noopMetrics`. Everything lives in
 * its own Registry (not prom-client's global one), so two servers in one
 * process (tests) never collide.
 */

import type {
  CheckObservation,
  ProviderRequestObservation,
  ProviderErrorObservation,
  RateLimitObservation,
  ToggleWriteObservation,
  MetricsRecorder,
} from '../ports/observer.js';

export type {
  CheckObservation,
  ProviderRequestObservation,
  ProviderErrorObservation,
  RateLimitObservation,
  ToggleWriteObservation,
  MetricsRecorder,
};
export { noopMetrics } from '../ports/observer.js';

export interface StagegateMetricsOptions {
  /** process metrics (CPU, memory, event loop, GC); default true */
  readonly defaultMetrics?: boolean;
  /** the monotonic clock check ages are measured on (tests inject one) */
  readonly clock?: MonotonicClock;
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

  /** when each rollout was last checked by this process (monotonic): /readyz reads it too */
  readonly checkAges: CheckAges;

  /** the rollouts whose age is exported: the ones in a checked state at the last scrape */
  private readonly aged = new Set<string>();

  private readonly lastCheckAge = new Gauge({
    name: 'stagegate_last_check_age_seconds',
    help: 'Seconds since this process last checked the rollout (since it first saw it, before its first check); only rollouts in a checked state',
    labelNames: ['rollout'] as const,
    registers: [this.registry],
    collect: () => {
      this.lastCheckAge.reset();
      for (const rollout of this.aged) {
        const age = this.checkAges.ageSeconds(rollout);
        if (age !== undefined) this.lastCheckAge.set({ rollout }, age);
      }
    },
  });

  private readonly checkInterval = new Gauge({
    name: 'stagegate_check_interval_seconds',
    help: 'The interval the rollout is checked at (absent for cron schedules): alert on age > 2 × interval',
    labelNames: ['rollout'] as const,
    registers: [this.registry],
  });

  /** label sets written per rollout, so stale ones can be removed */
  private readonly seen = new Map<string, { metrics: Set<string>; thresholds: Set<string> }>();

  constructor(opts: StagegateMetricsOptions = {}) {
    this.checkAges = new CheckAges(opts.clock);
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
    this.checkAges.checked(rollout);
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
    if (CHECKED_STATES.has(summary.state)) {
      this.checkAges.seen(rollout);
      this.aged.add(rollout);
    } else {
      this.aged.delete(rollout);
    }
  }

  /** a rollout's check interval (from the spec its record carries); undefined for a cron schedule */
  recordCheckInterval(rollout: string, seconds: number | undefined): void {
    if (seconds === undefined) this.checkInterval.remove({ rollout });
    else this.checkInterval.set({ rollout }, seconds);
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
    this.checkAges.forget(rollout);
    this.aged.delete(rollout);
    this.checkInterval.remove({ rollout });
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
