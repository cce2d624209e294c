import type { Logger } from '../log.js';
import type { Measurement } from '../ports/metrics-provider.js';
import type { RolloutEvent, RolloutEventType } from '../ports/notifier.js';
import type { ControllerObserver } from '../ports/observer.js';
import type { RolloutRecord, StateStore } from '../ports/state-store.js';
import type { ToggleProvider } from '../ports/toggle-provider.js';
import type { MonotonicClock } from '../ports/clock.js';
import type { Rollout } from '../rollout/types.js';
import type { AbortMarkers } from './abort-marker.js';
import type { CheckDecision, CommandMeta, EngineSession } from './engine-session.js';
import type { ProviderFor } from './measure.js';

/* What a runner needs and what it offers (runner.ts implements it): one check of one rollout at a time. */

export interface RunnerDeps {
  readonly store: StateStore;
  readonly metricsFor: ProviderFor;
  readonly toggleFor: (provider: string) => ToggleProvider;
  readonly openSession: (rollout: Rollout, record: RolloutRecord | undefined) => EngineSession;
  /** fire-and-forget: never awaited by a check */
  readonly notify: (names: readonly string[], event: RolloutEvent) => void;
  readonly logger: Logger;
  readonly now?: () => number;
  /** retry waits within this process (retry-clock.ts); default performance.now */
  readonly monotonic?: MonotonicClock;
  readonly observer?: ControllerObserver;
  /** every record this runner saved: the controller tells its own writes from an operator's */
  readonly onSaved?: (record: RolloutRecord) => void;
  /** every record this runner loaded before acting on it */
  readonly onLoaded?: (record: RolloutRecord) => void;
  readonly settleMs?: number;
  /** runs work on one rollout so it never interleaves with a check (the controller's keyed serializer) */
  readonly serialize?: <T>(name: string, work: () => Promise<T>) => Promise<T>;
  /** the unsaved-state save retry's first and longest wait (unsaved-retry.ts); default 1 s and 30 s */
  readonly unsavedRetryMs?: { readonly baseMs: number; readonly capMs: number };
  /** markers of CLI aborts whose record could not be saved (abort-marker.ts), applied before the toggle is read */
  readonly abortMarkers?: AbortMarkers;
}

/** What one check measured and decided, for `simulate`'s timeline. */
export interface CheckFacts {
  readonly at: number;
  readonly measurements: Readonly<Record<string, Measurement>>;
  readonly decision: CheckDecision | null;
  /** every notice of the check and of the writes it made, in order */
  readonly notices: readonly RolloutEventType[];
}

export interface CheckReport {
  readonly rollout: string;
  /** false when the check did not run (finished rollout, unreadable state) */
  readonly checked: boolean;
  readonly record: RolloutRecord | undefined;
  readonly action: string | null;
  /** null when no TICK ran (finished, unreadable, post-launch check-in) */
  readonly facts: CheckFacts | null;
}

export interface Runner {
  check(rollout: Rollout): Promise<CheckReport>;
  /** cancels the check of `name` in flight, if any: it ends before its TICK (an operator command is waiting) */
  cancel(name: string): void;
  /**
   * applies the record's pending toggle write, if any and if due (operator commands, rollback retries);
   * `force`: without waiting for the retry time (`run --once`'s last attempts before it exits)
   */
  applyPending(rollout: Rollout, opts?: { readonly force?: boolean }): Promise<boolean>;
  /** rollouts whose toggle was written but whose state is not saved yet (retried on a timer), and since when */
  unsaved(): { readonly name: string; readonly since: number }[];
  /** an abort whose save failed after its toggle write (abort-first.ts): kept and its save retried */
  keepAbort(
    rollout: Rollout,
    record: RolloutRecord | undefined,
    meta: CommandMeta,
    cause: unknown,
  ): Promise<boolean>;
  /** stops the save retry timers */
  close(): void;
}
