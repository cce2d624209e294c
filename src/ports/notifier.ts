/*
 * Notification port (DESIGN.md §5). A notifier failure never blocks or delays
 * a decision: callers fire and forget through a retrying dispatcher.
 */

export type RolloutEventType =
  | 'started'
  | 'advanced'
  | 'awaiting_approval'
  | 'held_too_long'
  /** the toggle's feature does not exist in its provider: nothing is written (a write would create it) */
  | 'feature_missing'
  | 'paused'
  | 'drift'
  | 'rolled_back'
  | 'rollback_failed'
  | 'completed';

export interface MetricReading {
  readonly metric: string;
  /** the measured value, or null for no data / provider error */
  readonly value: number | null;
  /** for ratios judged on an interval */
  readonly interval: readonly [number, number] | null;
  /** the criteria that read this metric, as written, e.g. `error_rate < 5%` */
  readonly criteria: readonly string[];
  readonly verdict: string;
}

export interface RolloutEvent {
  readonly type: RolloutEventType;
  readonly rollout: string;
  readonly feature: string;
  readonly stage: string | null;
  readonly percent: number;
  readonly at: number;
  readonly reason: string | null;
  readonly readings: readonly MetricReading[];
}

export interface Notifier {
  readonly name: string;
  send(event: RolloutEvent, signal?: AbortSignal): Promise<void>;
}
