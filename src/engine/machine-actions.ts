import { assign, emit, enqueueActions } from 'xstate';
import type { RolloutEventType } from '../ports/notifier.js';
import type { EngineEvent, NoticeEmitted, PauseKind, ResumeTarget, WriteTarget } from './context.js';
import { initialContext, writeBackoffMs } from './context.js';
import { formatCount, stageLabel } from './format.js';
import {
  describeOperator,
  operatorText,
  pauseFields,
  pauseNoticeType,
  reported,
  resetCounters,
  type Args,
  type Ctx,
  type Kit,
} from './machine-kit.js';
import { buildNotice } from './notices.js';

/*
 * The machine's named actions: what each transition assigns to the context
 * and which notices it emits (machine-graph.ts says when each runs). Pure:
 * every value comes from the context and the event.
 */

const set = (f: (a: Args) => Partial<Ctx>) =>
  assign<Ctx, EngineEvent, undefined, EngineEvent, never>(({ context, event }) => f({ context, event }));

const say = (f: (a: Args) => NoticeEmitted) =>
  emit<Ctx, EngineEvent, undefined, EngineEvent, NoticeEmitted>(({ context, event }) =>
    f({ context, event }),
  );

function pauseKindOf(cause: string | null | undefined): PauseKind {
  switch (cause) {
    case 'errors':
    case 'no-data':
    case 'failing':
      return cause;
    default:
      return 'stuck';
  }
}

export function actionsFor(kit: Kit) {
  const { rollout, lastIndex } = kit;
  const stages = rollout.stages;
  return {
    recordCheck: set(({ context, event }) => {
      if (event.type !== 'TICK') return {};
      const d = kit.decisionOf(context, event);
      return { lastCheck: event.now, lastDecision: d, counters: d.nextCounters };
    }),
    holdReason: set(({ context }) => ({ reason: context.lastDecision?.reasons.join('; ') ?? null })),
    requestApproval: set(({ context }) => ({
      approvalRequested: true,
      reason: context.lastDecision?.reasons.join('; ') ?? 'waiting for approve',
    })),
    noticeApprovalOnce: say(({ context, event }) =>
      kit.noticeFrom('awaiting_approval', context, event.now, context.reason),
    ),
    clearDeadline: set(() => ({ stageDeadline: null })),
    planStart: set(({ context, event }) => ({
      ...kit.planWrite(
        context,
        kit.stageWrite(
          0,
          event.type === 'TICK' ? `starting ${stageLabel(rollout, 0)}` : describeOperator(event),
        ),
        event.now,
      ),
      reason: `applying ${stageLabel(rollout, 0)}`,
    })),
    planNext: set(({ context, event }) => {
      const next = Math.min(context.stageIndex + 1, lastIndex);
      // after recordCheck: the TICK's decision is context.lastDecision
      const why =
        event.type === 'TICK'
          ? (context.lastDecision?.reasons[0] ?? `advancing to ${stageLabel(rollout, next)}`)
          : `${describeOperator(event)}: ${context.stageName ?? 'start'} → ${stageLabel(rollout, next)}`;
      return {
        ...kit.planWrite(context, kit.stageWrite(next, why), event.now),
        reason: `applying ${stageLabel(rollout, next)}`,
      };
    }),
    planComplete: set(({ context, event }) => {
      const why =
        event.type === 'TICK' ? (context.lastDecision?.reasons[0] ?? 'complete') : describeOperator(event);
      const target: WriteTarget = {
        purpose: 'complete',
        stageIndex: context.stageIndex,
        stageName: context.stageName,
        why,
      };
      return { ...kit.planWrite(context, target, event.now), reason: 'enabling the toggle on completion' };
    }),
    planRollback: set(({ context, event }) => {
      const why =
        event.type === 'TICK'
          ? (context.lastDecision?.reasons.join('; ') ?? 'rollback')
          : event.type === 'ABORT'
            ? operatorText('aborted', event)
            : 'rollback';
      const target: WriteTarget = {
        purpose: 'rollback',
        stageIndex: context.stageIndex,
        stageName: context.stageName,
        why,
      };
      return {
        ...kit.planWrite(context, target, event.now),
        reason: why,
        pause: null,
        stageDeadline: null,
        approvalRequested: false,
      };
    }),
    enterStage: set(({ context, event }) => {
      const target = context.write;
      const state = reported(event);
      if (!target || !state) return {};
      return {
        stageIndex: target.stageIndex,
        stageName: stages[target.stageIndex]?.name ?? target.stageName,
        stageStartedAt: event.now,
        stageDeadline: kit.deadlineFrom(event.now),
        appliedPercent: kit.readsAs(state),
        approved: false,
        approvalRequested: false,
        write: null,
        intent: null,
        attempts: 0,
        nextAttemptAt: null,
        lastWriteError: null,
        counters: resetCounters(context.counters),
        pause: null,
        reason: null,
      };
    }),
    // runs before enterStage: a first stage is `started`, a higher one `advanced`, re-applying the same one is neither
    noticeEntered: enqueueActions<
      Ctx,
      EngineEvent,
      undefined,
      EngineEvent,
      never,
      never,
      never,
      never,
      NoticeEmitted
    >(({ context, event, enqueue }) => {
      const target = context.write;
      const state = reported(event);
      if (!target || !state || target.purpose !== 'stage' || target.stageIndex === context.stageIndex) return;
      const type: RolloutEventType = context.stageIndex < 0 ? 'started' : 'advanced';
      enqueue.emit({
        type: 'notice',
        notice: buildNotice(rollout, {
          type,
          at: event.now,
          stage: stages[target.stageIndex]?.name ?? target.stageName,
          percent: kit.readsAs(state),
          reason: target.why,
          decision: context.lastDecision,
        }),
      });
    }),
    markCompleted: set(({ context, event }) => {
      const state = reported(event);
      return {
        appliedPercent: state ? kit.readsAs(state) : context.appliedPercent,
        write: null,
        intent: null,
        attempts: 0,
        nextAttemptAt: null,
        lastWriteError: null,
        stageDeadline: null,
        reason: null,
        pause: null,
      };
    }),
    noticeCompleted: say(({ context, event }) => kit.noticeFrom('completed', context, event.now, null)),
    scheduleWriteRetry: set(({ context, event }) => {
      const attempts = context.attempts + 1;
      const error = kit.writeMismatch(context, event);
      return {
        attempts,
        nextAttemptAt: event.now + writeBackoffMs(attempts),
        lastWriteError: error,
        reason: `toggle write failed (attempt ${attempts}): ${error}`,
      };
    }),
    pauseForWrites: set(({ context, event }) => ({
      ...pauseFields(
        'toggle',
        'reapply',
        `toggle write failed ${context.attempts + 1} times: ${kit.writeMismatch(context, event)}`,
      ),
      attempts: context.attempts + 1,
      lastWriteError: kit.writeMismatch(context, event),
    })),
    rollbackFailed: set(({ context, event }) => {
      const attempts = context.attempts + 1;
      return {
        attempts,
        nextAttemptAt: event.now + writeBackoffMs(attempts),
        lastWriteError: kit.writeMismatch(context, event),
      };
    }),
    noticeRollbackFailed: say(({ context, event }) =>
      kit.noticeFrom(
        'rollback_failed',
        context,
        event.now,
        `rollback attempt ${context.attempts} failed: ${context.lastWriteError ?? 'unknown error'}; retrying at ${new Date(
          context.nextAttemptAt ?? event.now,
        ).toISOString()} (${context.reason ?? 'rollback'})`,
      ),
    ),
    finishRollback: set(({ event }) => {
      const state = reported(event);
      return {
        appliedPercent: state ? kit.readsAs(state) : 0,
        write: null,
        intent: null,
        attempts: 0,
        nextAttemptAt: null,
        lastWriteError: null,
        stageDeadline: null,
      };
    }),
    noticeRolledBack: say(({ context, event }) =>
      kit.noticeFrom('rolled_back', context, event.now, context.reason),
    ),
    pauseForDrift: set(({ context, event }) => {
      const drift = event.type === 'TICK' && event.toggle ? kit.driftOf(context, event.toggle) : null;
      const applied = formatCount(context.appliedPercent);
      const what =
        drift?.kind === 'drift' ? drift.reason : `drift: the toggle no longer shows the ${applied}% applied`;
      return pauseFields('drift', 'reapply', `${what}; paused (resume re-applies ${applied}%)`);
    }),
    pauseForDecision: set(({ context }) => {
      const d = context.lastDecision;
      return pauseFields(pauseKindOf(d?.cause), 'observing', d?.reasons.join('; ') ?? 'paused');
    }),
    pauseByOperator: set(({ context, event }) => {
      if (event.type !== 'PAUSE') return {};
      const resumeTo: ResumeTarget =
        context.stageIndex < 0 && context.write === null
          ? 'pending'
          : context.write
            ? 'reapply'
            : 'observing';
      return pauseFields('operator', resumeTo, operatorText('paused', event));
    }),
    noticePaused: say(({ context, event }) =>
      kit.noticeFrom(pauseNoticeType(context.pause?.kind), context, event.now, context.reason),
    ),
    resumeObserving: set(({ context, event }) => ({
      pause: null,
      reason: event.type === 'RESUME' ? operatorText('resumed', event) : null,
      stageDeadline: kit.deadlineFrom(event.now),
      counters: { ...context.counters, errors: 0 },
    })),
    resumeReapply: set(({ context, event }) => {
      const index =
        context.write?.purpose === 'stage' ? context.write.stageIndex : Math.max(0, context.stageIndex);
      const why = event.type === 'RESUME' ? operatorText('resumed', event) : 'resumed';
      const completing = context.write?.purpose === 'complete';
      const target: WriteTarget =
        completing && context.write ? { ...context.write, why } : kit.stageWrite(index, why);
      const percent = completing ? 100 : (stages[index]?.percent ?? 0);
      return {
        ...kit.planWrite(context, target, event.now),
        pause: null,
        reason: `${why}: re-applying ${formatCount(percent)}%`,
        counters: { ...context.counters, errors: 0 },
      };
    }),
    resumePending: set(({ event }) => ({
      pause: null,
      reason: event.type === 'RESUME' ? operatorText('resumed', event) : null,
    })),
    approve: set(() => ({ approved: true })),
    retryNow: set(({ event }) => ({ nextAttemptAt: event.now })),
    restart: set(({ context, event }) => ({
      ...initialContext(),
      intentSeq: context.intentSeq,
      appliedPercent: context.appliedPercent,
      // the operator's retry is the go-ahead: a manual start or a first-stage approval is not asked again
      approved: true,
      reason: event.type === 'RETRY' ? operatorText('retried', event) : null,
    })),
    abortBeforeStart: set(({ event }) => ({
      reason:
        event.type === 'ABORT' ? `${operatorText('aborted', event)} (before start)` : 'aborted before start',
      pause: null,
      intent: null,
      write: null,
    })),
  };
}
