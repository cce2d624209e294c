import { enqueueActions } from 'xstate';
import type { RolloutEventType } from '../ports/notifier.js';
import type { EngineEvent, NoticeEmitted, WriteTarget } from './context.js';
import { initialContext, writeBackoffMs } from './context.js';
import { stageLabel } from './format.js';
import {
  describeOperator,
  operatorText,
  reported,
  resetCounters,
  say,
  set,
  type Ctx,
  type Kit,
} from './machine-kit.js';
import { pauseActions } from './machine-pause-actions.js';
import { buildNotice } from './notices.js';

/*
 * The machine's named actions: what each transition assigns to the context
 * and which notices it emits (machine-graph.ts says when each runs). Pure:
 * every value comes from the context and the event. Pausing and resuming:
 * machine-pause-actions.ts.
 */

/** No write in flight, none to retry: what every settled write leaves behind. */
const WRITE_SETTLED = {
  write: null,
  intent: null,
  attempts: 0,
  nextAttemptAt: null,
  lastWriteError: null,
} as const satisfies Partial<Ctx>;

export function actionsFor(kit: Kit) {
  const { rollout, lastIndex } = kit;
  const stages = rollout.stages;
  return {
    ...pauseActions(kit),
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
        ...WRITE_SETTLED,
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
        ...WRITE_SETTLED,
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
        ...WRITE_SETTLED,
        stageDeadline: null,
      };
    }),
    noticeRolledBack: say(({ context, event }) =>
      kit.noticeFrom('rolled_back', context, event.now, context.reason),
    ),
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
