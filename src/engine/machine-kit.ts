import { assign, emit } from 'xstate';
import type { RolloutEventType } from '../ports/notifier.js';
import type { ToggleIntent } from '../ports/state-store.js';
import { featureMissing } from '../ports/toggle-checks.js';
import { compareExposure, type ExposureComparison } from '../ports/toggle-exposure.js';
import { effectivePercent, type ToggleState } from '../ports/toggle-provider.js';
import type { Rollout } from '../rollout/types.js';
import type {
  EngineContext,
  EngineEvent,
  NoticeEmitted,
  OperatorEvent,
  PauseKind,
  ResumeTarget,
  TickEvent,
  WriteTarget,
} from './context.js';
import {
  decide,
  SEQUENTIAL_DECISIONS,
  ZERO_COUNTERS,
  type Decision,
  type DecisionCounters,
} from './decide.js';
import { formatCount } from './format.js';
import { judgeCriterion } from './judge.js';
import { buildNotice } from './notices.js';

/*
 * What the machine's guards and actions share, built once per rollout: the
 * TICK's decision (decided once per context and event, however many guards
 * ask), the toggle intent a write target means, and the small pieces of
 * context the actions assign.
 */

export type Ctx = EngineContext;

/** What every guard and action receives. */
export interface Args {
  readonly context: Ctx;
  readonly event: EngineEvent;
}

/** An assign action built from the guard/action arguments. */
export const set = (f: (a: Args) => Partial<Ctx>) =>
  assign<Ctx, EngineEvent, undefined, EngineEvent, never>(({ context, event }) => f({ context, event }));

/** An emit action: the notice built from the guard/action arguments. */
export const say = (f: (a: Args) => NoticeEmitted) =>
  emit<Ctx, EngineEvent, undefined, EngineEvent, NoticeEmitted>(({ context, event }) =>
    f({ context, event }),
  );

export const EPSILON = 1e-6;

export function operatorText(verb: string, e: OperatorEvent): string {
  return `${verb} by ${e.by}${e.reason ? `: ${e.reason}` : ''}`;
}

export function describeOperator(event: EngineEvent): string {
  switch (event.type) {
    case 'PROMOTE':
      return operatorText('promoted', event);
    case 'APPROVE':
      return operatorText('approved', event);
    case 'RESUME':
      return operatorText('resumed', event);
    default:
      return event.type.toLowerCase();
  }
}

export function pauseFields(kind: PauseKind, resumeTo: ResumeTarget, reason: string): Partial<Ctx> {
  return { pause: { kind, resumeTo }, reason, intent: null, nextAttemptAt: null };
}

export function pauseNoticeType(kind: PauseKind | undefined): RolloutEventType {
  return kind === 'drift' ? 'drift' : kind === 'stuck' ? 'held_too_long' : 'paused';
}

/** a new stage is a new sample: streaks, detectors and increments restart; provider errors do not */
export function resetCounters(c: DecisionCounters): DecisionCounters {
  return { ...ZERO_COUNTERS, errors: c.errors };
}

export function reported(event: EngineEvent): ToggleState | null {
  return event.type === 'TOGGLE_APPLIED' ? event.state : null;
}

export interface Kit {
  readonly rollout: Rollout;
  readonly lastIndex: number;
  decisionOf(context: Ctx, event: TickEvent): Decision;
  tickAction(context: Ctx, event: EngineEvent): Decision['action'] | null;
  planWrite(context: Ctx, target: WriteTarget, now: number): Partial<Ctx>;
  stageWrite(index: number, why: string): WriteTarget;
  deadlineFrom(now: number): number | null;
  /** what the toggle reads after the write, as the drift check will compare it */
  readsAs(state: ToggleState): number;
  /** exposure, not one gate: a percentage_of_time or an expression set by hand is drift too */
  driftOf(context: Ctx, toggle: ToggleState): ExposureComparison;
  writeMismatch(context: Ctx, event: EngineEvent): string;
  noticeFrom(type: RolloutEventType, context: Ctx, at: number, reason: string | null): NoticeEmitted;
}

export function createKit(rollout: Rollout): Kit {
  const stages = rollout.stages;

  const memo = new WeakMap<Ctx, WeakMap<TickEvent, Decision>>();
  function decisionOf(context: Ctx, event: TickEvent): Decision {
    let perContext = memo.get(context);
    if (!perContext) {
      perContext = new WeakMap();
      memo.set(context, perContext);
    }
    let d = perContext.get(event);
    if (!d) {
      d = decide(
        {
          rollout,
          now: event.now,
          stageIndex: context.stageIndex,
          stageStartedAt: context.stageStartedAt,
          stageDeadline: context.stageDeadline,
          approved: context.approved,
          counters: context.counters,
          measurements: event.measurements,
          ...(event.increments !== undefined && { increments: event.increments }),
          ...(event.ledger !== undefined && { ledger: event.ledger }),
          featureMissing:
            event.toggle === null
              ? null
              : featureMissing(event.toggle, {
                  provider: rollout.toggle.provider,
                  feature: rollout.toggle.feature,
                  ...(rollout.toggle.create !== undefined && { create: rollout.toggle.create }),
                }),
        },
        judgeCriterion,
        SEQUENTIAL_DECISIONS,
      );
      perContext.set(event, d);
    }
    return d;
  }

  function intentFor(context: Ctx, target: WriteTarget, now: number): ToggleIntent {
    const id = `${rollout.name}#${context.intentSeq + 1}`;
    const gate = rollout.toggle.gate;
    if (target.purpose === 'rollback') {
      return { id, action: 'disable', percent: 0, gate, mode: rollout.toggle.onRollback, at: now };
    }
    if (target.purpose === 'complete') return { id, action: 'enable', percent: 100, gate, at: now };
    return { id, action: 'set', percent: stages[target.stageIndex]?.percent ?? 0, gate, at: now };
  }

  const readsAs = (state: ToggleState): number =>
    state.exists ? effectivePercent(state, rollout.toggle.gate) : 0;

  return {
    rollout,
    lastIndex: stages.length - 1,
    decisionOf,
    tickAction: (context, event) => (event.type === 'TICK' ? decisionOf(context, event).action : null),
    planWrite: (context, target, now) => ({
      write: target,
      intent: intentFor(context, target, now),
      intentSeq: context.intentSeq + 1,
      attempts: 0,
      nextAttemptAt: now,
      lastWriteError: null,
    }),
    stageWrite: (index, why) => ({
      purpose: 'stage',
      stageIndex: index,
      stageName: stages[index]?.name ?? null,
      why,
    }),
    deadlineFrom: (now) => {
      const max = rollout.policy.maxStageDurationMs;
      return max === undefined ? null : now + max;
    },
    readsAs,
    driftOf: (context, toggle) =>
      compareExposure({ gate: rollout.toggle.gate, percent: context.appliedPercent }, toggle),
    writeMismatch: (context, event) => {
      const state = reported(event);
      if (!state) return event.type === 'TOGGLE_FAILED' ? event.error : 'toggle write failed';
      return `toggle reads ${formatCount(readsAs(state))}% after writing ${formatCount(context.intent?.percent ?? 0)}%`;
    },
    noticeFrom: (type, context, at, reason) => ({
      type: 'notice',
      notice: buildNotice(rollout, {
        type,
        at,
        stage: context.stageName,
        percent: context.appliedPercent,
        reason,
        decision: context.lastDecision,
      }),
    }),
  };
}
