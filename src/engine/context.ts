import type { Measurement } from '../ports/metrics-provider.js';
import type { RolloutEvent } from '../ports/notifier.js';
import type { RolloutState, ToggleIntent } from '../ports/state-store.js';
import type { ToggleState } from '../ports/toggle-provider.js';
import type { IncrementLedger } from './increments.js';
import type { Increment } from './sequential/cusum.js';
import { ZERO_COUNTERS, type Decision, type DecisionCounters } from './decide.js';

/*
 * The rollout machine's context and events. Context is plain JSON (it is what
 * gets persisted), deadlines are epoch ms compared on TICK, and the toggle
 * write the machine wants is an intent the runtime applies and reports back.
 */

/**
 * Bumped whenever the persisted shape or the meaning of a state changes; older
 * snapshots are migrated on restore (snapshot-migrate.ts). 2: the sequential
 * detectors' state, breach and failing clocks, the increment ledger in
 * `counters`; the `failing` pause and decision cause.
 */
export const MACHINE_VERSION = 2;

export const ENGINE_STATES = [
  'pending',
  'running.applying',
  'running.observing',
  'running.awaitingApproval',
  'paused',
  'rollingBack',
  'rolledBack',
  'completed',
] as const;

export type EngineStateName = (typeof ENGINE_STATES)[number];

export type PauseKind = 'operator' | 'drift' | 'errors' | 'no-data' | 'stuck' | 'failing' | 'toggle';

/** Where RESUME goes: back to waiting for the start, re-apply the stage's percent, or keep observing. */
export type ResumeTarget = 'pending' | 'reapply' | 'observing';

export interface WriteTarget {
  readonly purpose: 'stage' | 'complete' | 'rollback';
  /** the stage a `stage` write enters; the current stage otherwise */
  readonly stageIndex: number;
  readonly stageName: string | null;
  /** why the write is made, for the notice sent when it lands */
  readonly why: string;
}

export interface EngineContext {
  /** the current stage; -1 before the first stage took effect */
  readonly stageIndex: number;
  /** looked up again by name when a changed spec is restored */
  readonly stageName: string | null;
  /** when the current stage's toggle write took effect: the `stage` window starts here */
  readonly stageStartedAt: number | null;
  /** a held stage pauses at this time (maxStageDuration); extended by RESUME */
  readonly stageDeadline: number | null;
  /** the toggle's effective percent after the last successful write */
  readonly appliedPercent: number;
  /** approval for the next stage (or a manual start) given by APPROVE */
  readonly approved: boolean;
  /** the write in flight or waiting to be retried */
  readonly write: WriteTarget | null;
  /** what the runtime must persist and apply; null when nothing is to be written */
  readonly intent: ToggleIntent | null;
  readonly intentSeq: number;
  /** failed attempts of the current write */
  readonly attempts: number;
  /** the runtime applies `intent` once now >= nextAttemptAt */
  readonly nextAttemptAt: number | null;
  readonly lastWriteError: string | null;
  readonly counters: DecisionCounters;
  readonly pause: { readonly kind: PauseKind; readonly resumeTo: ResumeTarget } | null;
  /** why it is held, paused or rolled back */
  readonly reason: string | null;
  readonly lastCheck: number | null;
  readonly lastDecision: Decision | null;
  /** an awaiting_approval notice went out for the current wait */
  readonly approvalRequested: boolean;
}

export interface OperatorFields {
  readonly now: number;
  readonly by: string;
  readonly reason?: string | null;
}

export type OperatorEventType = 'PAUSE' | 'RESUME' | 'APPROVE' | 'ABORT' | 'PROMOTE' | 'RETRY';

export type OperatorEvent = { readonly type: OperatorEventType } & OperatorFields;

export interface TickEvent {
  readonly type: 'TICK';
  readonly now: number;
  readonly measurements: Readonly<Record<string, Measurement>>;
  /** the toggle as read just before the check; null when it could not be read (no drift check) */
  readonly toggle: ToggleState | null;
  /** each ratio metric's new observations this check, for its rollback detector (increments.ts) */
  readonly increments?: Readonly<Record<string, Increment>>;
  /** the increment ledger with this check's increments folded in */
  readonly ledger?: IncrementLedger;
}

export interface ToggleAppliedEvent {
  readonly type: 'TOGGLE_APPLIED';
  readonly now: number;
  readonly state: ToggleState;
  /** the intent this reports on; a report for another intent is ignored */
  readonly intentId?: string;
}

export interface ToggleFailedEvent {
  readonly type: 'TOGGLE_FAILED';
  readonly now: number;
  readonly error: string;
  readonly intentId?: string;
}

export type EngineEvent = TickEvent | OperatorEvent | ToggleAppliedEvent | ToggleFailedEvent;

/** What the machine tells the outside world: RolloutEvents for notifiers, history and logs. */
export interface NoticeEmitted {
  readonly type: 'notice';
  readonly notice: RolloutEvent;
}

export function initialContext(): EngineContext {
  return {
    stageIndex: -1,
    stageName: null,
    stageStartedAt: null,
    stageDeadline: null,
    appliedPercent: 0,
    approved: false,
    write: null,
    intent: null,
    intentSeq: 0,
    attempts: 0,
    nextAttemptAt: null,
    lastWriteError: null,
    counters: ZERO_COUNTERS,
    pause: null,
    reason: null,
    lastCheck: null,
    lastDecision: null,
    approvalRequested: false,
  };
}

/** The status word for a machine state (DESIGN.md §1). */
export function rolloutStateOf(state: EngineStateName): RolloutState {
  switch (state) {
    case 'pending':
      return 'pending';
    case 'running.applying':
    case 'running.observing':
      return 'running';
    case 'running.awaitingApproval':
      return 'awaiting_approval';
    case 'paused':
      return 'paused';
    case 'rollingBack':
      return 'rolling_back';
    case 'rolledBack':
      return 'rolled_back';
    case 'completed':
      return 'completed';
  }
}

/** A write's retry delay: 15s doubling per failure, at most 5 minutes. Deterministic; jitter is the runtime's call. */
export function writeBackoffMs(failedAttempts: number): number {
  return Math.min(15_000 * 2 ** Math.max(0, failedAttempts - 1), 300_000);
}
