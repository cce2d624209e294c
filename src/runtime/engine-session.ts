import type { Measurement } from '../ports/metrics-provider.js';
import type { RolloutEvent } from '../ports/notifier.js';
import type { RolloutState, RolloutSummary, ToggleIntent } from '../ports/state-store.js';
import type { ToggleState } from '../ports/toggle-provider.js';
import type { Rollout } from '../rollout/types.js';
import type { Decision } from '../engine/decide.js';
import type { IncrementLedger } from '../engine/increments.js';
import type { Increment } from '../engine/sequential/cusum.js';
import type { OperatorCommand } from '../ports/operator-command.js';
import type { JudgedCriterion } from './check-log.js';

/*
 * What the runtime needs from the engine, in the runtime's words. The
 * engine's wrapper (src/engine/rollout-engine.ts) is restored from a record's
 * snapshot, fed one event, and asked what it now wants; this module is the
 * only place that knows its exact API, so the runner, the operator commands
 * and the tests speak only this interface.
 */

export { OPERATOR_COMMANDS, type OperatorCommand } from '../ports/operator-command.js';

export interface Transition {
  readonly from: RolloutState;
  readonly to: RolloutState;
  readonly stage: string | null;
  readonly percent: number;
  readonly reason: string | null;
  /** the engine's finer states, e.g. running.observing → running.applying */
  readonly fromState?: string;
  readonly toState?: string;
}

export interface CheckDecision {
  readonly action: string;
  readonly reasons: readonly string[];
  readonly results: readonly JudgedCriterion[];
  /** the decision as the engine made it, kept in history for the report */
  readonly raw: Decision | null;
}

/** What one event did. */
export interface StepOutcome {
  readonly transitions: readonly Transition[];
  /** what notifiers should hear about, in order */
  readonly notices: readonly RolloutEvent[];
  /** set for checks */
  readonly decision: CheckDecision | null;
}

export interface TickInput {
  readonly now: number;
  readonly measurements: Readonly<Record<string, Measurement>>;
  readonly toggle: ToggleState | null;
  /** each ratio metric's new observations (measure.ts measureCheck) */
  readonly increments?: Readonly<Record<string, Increment>>;
  /** the increment ledger with this check's increments folded in */
  readonly ledger?: IncrementLedger;
}

export interface CommandMeta {
  readonly now: number;
  readonly by: string;
  readonly reason: string | null;
}

export interface EngineSession {
  readonly rollout: Rollout;
  /** whether a check should query metrics now (not for finished or paused rollouts) */
  wantsMeasurements(): boolean;
  /** when the current stage began, epoch ms, for `window: stage` */
  stageStart(now: number): number;
  tick(input: TickInput): StepOutcome;
  /** refuses, with the reason, what makes no sense in the current state */
  canAccept(cmd: OperatorCommand): { ok: true } | { ok: false; reason: string };
  command(cmd: OperatorCommand, meta: CommandMeta): StepOutcome;
  toggleApplied(now: number, state: ToggleState): StepOutcome;
  toggleFailed(now: number, error: string): StepOutcome;
  intent(): ToggleIntent | null;
  /** epoch ms before which a failed toggle write is not retried; null when it may be retried now */
  retryAt(): number | null;
  persisted(): unknown;
  /** the increments counted so far this stage; absent: the engine keeps none */
  ledger?(): IncrementLedger | undefined;
  summary(): RolloutSummary;
}
