import { initialTransition, transition, type StateValue } from 'xstate';
import type { RolloutEvent } from '../ports/notifier.js';
import type { RolloutState, RolloutSummary, ToggleIntent } from '../ports/state-store.js';
import type { Rollout } from '../rollout/types.js';
import {
  ENGINE_STATES,
  MACHINE_VERSION,
  rolloutStateOf,
  type EngineContext,
  type EngineEvent,
  type EngineStateName,
  type NoticeEmitted,
  type OperatorEvent,
  type OperatorEventType,
} from './context.js';
import type { Decision } from './decide.js';
import { createRolloutMachine, type RolloutMachine, type RolloutSnapshot } from './machine.js';
import { refusalReason, type Acceptance } from './operator.js';
import { parsePersistedSnapshot, reconcileContext, type PersistedSnapshot } from './snapshot.js';

/*
 * The runtime's handle on one rollout's machine: restore from a persisted
 * snapshot (or start fresh), feed one event, read what it wants now. Each
 * `send` is a pure xstate `transition()`: no actor, no timers, no I/O; the
 * result says what happened (transitions, notices, the check's decision) so
 * the runtime can persist, log, notify and write history.
 */

const OPERATOR_TYPES: ReadonlySet<string> = new Set<OperatorEventType>([
  'PAUSE',
  'RESUME',
  'APPROVE',
  'ABORT',
  'PROMOTE',
  'RETRY',
]);

export function isOperatorEvent(event: EngineEvent): event is OperatorEvent {
  return OPERATOR_TYPES.has(event.type);
}

export interface Transition {
  readonly from: RolloutState;
  readonly to: RolloutState;
  /** the machine states, finer than the status words (running.applying → running.observing) */
  readonly fromState: EngineStateName;
  readonly toState: EngineStateName;
  readonly stage: string | null;
  readonly percent: number;
  readonly reason: string | null;
}

export interface StepResult {
  /** false when an operator command made no sense in the state; nothing changed then */
  readonly accepted: boolean;
  readonly refusal: string | null;
  /** at most one: every event moves the machine at most once */
  readonly transitions: readonly Transition[];
  /** what notifiers should hear about, in order */
  readonly notices: readonly RolloutEvent[];
  /** the decision of this TICK; null for other events or when the state does not decide */
  readonly decision: Decision | null;
}

function stateNameOf(value: StateValue): EngineStateName {
  const name =
    typeof value === 'string'
      ? value
      : Object.entries(value)
          .map(([parent, child]) => `${parent}.${typeof child === 'string' ? child : ''}`)
          .join('');
  if (!(ENGINE_STATES as readonly string[]).includes(name))
    throw new Error(`unexpected machine state ${name}`);
  return name as EngineStateName;
}

function stateValueOf(name: EngineStateName): StateValue {
  const [parent, child] = name.split('.');
  return child === undefined ? (parent ?? name) : { [parent ?? name]: child };
}

function isNotice(x: unknown): x is NoticeEmitted {
  return typeof x === 'object' && x !== null && (x as { type?: unknown }).type === 'notice' && 'notice' in x;
}

export class RolloutEngine {
  readonly rollout: Rollout;
  readonly #machine: RolloutMachine;
  #snapshot: RolloutSnapshot;

  private constructor(rollout: Rollout, machine: RolloutMachine, snapshot: RolloutSnapshot) {
    this.rollout = rollout;
    this.#machine = machine;
    this.#snapshot = snapshot;
  }

  /**
   * A fresh engine, or one restored from `persisted` (what `persisted()`
   * returned, as stored). Throws StagegateError E_SNAPSHOT_INVALID when the
   * snapshot cannot be restored. The rollout may differ from the one the
   * snapshot was taken with (snapshot.ts reconcileContext).
   */
  static create(rollout: Rollout, persisted?: unknown): RolloutEngine {
    const machine = createRolloutMachine(rollout);
    if (persisted === undefined || persisted === null) {
      const [snapshot] = initialTransition(machine);
      return new RolloutEngine(rollout, machine, snapshot);
    }
    const parsed = parsePersistedSnapshot(persisted, rollout.name);
    const context = reconcileContext(parsed.context, rollout);
    const snapshot = machine.resolveState({ value: stateValueOf(parsed.state), context });
    return new RolloutEngine(rollout, machine, snapshot);
  }

  state(): EngineStateName {
    return stateNameOf(this.#snapshot.value);
  }

  context(): EngineContext {
    return this.#snapshot.context;
  }

  /** Whether the machine would act on this operator command now, and why not. */
  canAccept(command: OperatorEventType | OperatorEvent): Acceptance {
    const event: OperatorEvent = typeof command === 'string' ? { type: command, now: 0, by: '' } : command;
    if (this.#snapshot.can(event)) return { ok: true };
    return { ok: false, reason: refusalReason(this.rollout, this.state(), this.context(), event.type) };
  }

  send(event: EngineEvent): StepResult {
    if (isOperatorEvent(event)) {
      const acceptance = this.canAccept(event);
      if (!acceptance.ok) {
        return { accepted: false, refusal: acceptance.reason, transitions: [], notices: [], decision: null };
      }
    }
    const before = this.#snapshot;
    const [after, actions] = transition(this.#machine, before, event);
    this.#snapshot = after;
    const notices: RolloutEvent[] = [];
    for (const action of actions) {
      // xstate types executable actions by the machine's named actions only; emits arrive as `xstate.emit`
      const executable: { readonly type: string; readonly params: unknown } = action;
      if (executable.type !== 'xstate.emit') continue;
      const emitted = (executable.params as { event?: unknown } | undefined)?.event;
      if (isNotice(emitted)) notices.push(emitted.notice);
    }
    const fromState = stateNameOf(before.value);
    const toState = stateNameOf(after.value);
    const transitions: Transition[] =
      fromState === toState
        ? []
        : [
            {
              from: rolloutStateOf(fromState),
              to: rolloutStateOf(toState),
              fromState,
              toState,
              stage: after.context.stageName,
              percent: after.context.appliedPercent,
              reason: after.context.reason,
            },
          ];
    const decision =
      event.type === 'TICK' && after.context.lastDecision !== before.context.lastDecision
        ? after.context.lastDecision
        : null;
    return { accepted: true, refusal: null, transitions, notices, decision };
  }

  /** The toggle write to persist and apply, until TOGGLE_APPLIED / TOGGLE_FAILED reports on it. */
  intent(): ToggleIntent | null {
    return this.context().intent;
  }

  /** Not before this epoch ms is a failed write retried; null when the intent may be applied now. */
  retryAt(): number | null {
    const c = this.context();
    return c.intent !== null && c.attempts > 0 ? c.nextAttemptAt : null;
  }

  /** The intent when it is due at `now`, else null. */
  writeDue(now: number): ToggleIntent | null {
    const at = this.retryAt();
    return at === null || at <= now ? this.intent() : null;
  }

  /**
   * Whether a TICK reads measurements now: while running, and while paused
   * (rollback criteria still protect a paused rollout), except after drift.
   */
  wantsMeasurements(): boolean {
    const s = this.state();
    if (s === 'paused') return true;
    return s === 'running.observing' || s === 'running.awaitingApproval' || s === 'running.applying';
  }

  /** When the current stage took effect: `window: stage` starts here. */
  stageStartedAt(): number | null {
    return this.context().stageStartedAt;
  }

  lastDecision(): Decision | null {
    return this.context().lastDecision;
  }

  summary(): RolloutSummary {
    const c = this.context();
    return {
      state: rolloutStateOf(this.state()),
      stage: c.stageName,
      stageIndex: c.stageIndex,
      percent: c.appliedPercent,
      reason: c.reason,
      lastCheck: c.lastCheck,
    };
  }

  persisted(): PersistedSnapshot {
    return {
      machineVersion: MACHINE_VERSION,
      rollout: this.rollout.name,
      state: this.state(),
      context: this.context(),
    };
  }
}
