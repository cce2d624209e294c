import type { Measurement } from './metrics-provider.js';
import type { RolloutSummary } from './state-store.js';
import type { Criterion } from '../rollout/types.js';

/*
 * Observer port: what the controller reports about itself (checks, toggle
 * writes, provider calls) for its own metrics. The Prometheus implementation
 * lives in src/server/metrics.ts; the runtime sees only this interface, so it
 * neither depends on prom-client nor imports the server.
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

/** the observer port under its port name; `MetricsRecorder` is the name the server's implementation grew up with */
export type ControllerObserver = MetricsRecorder;

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
