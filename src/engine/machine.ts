import { and, assign, emit, enqueueActions, not, setup, type SnapshotFrom } from 'xstate';
import type { RolloutEventType } from '../ports/notifier.js';
import type { ToggleIntent } from '../ports/state-store.js';
import { effectivePercent, type ToggleState } from '../ports/toggle-provider.js';
import type { Rollout } from '../rollout/types.js';
import {
  initialContext,
  writeBackoffMs,
  type EngineContext,
  type EngineEvent,
  type NoticeEmitted,
  type OperatorEvent,
  type PauseKind,
  type ResumeTarget,
  type TickEvent,
  type WriteTarget,
} from './context.js';
import {
  decide,
  SEQUENTIAL_DECISIONS,
  ZERO_COUNTERS,
  type Decision,
  type DecisionCounters,
} from './decide.js';
import { formatCount, stageLabel } from './format.js';
import { buildNotice } from './notices.js';
import { judgeCriterion } from './judge.js';

/*
 * The rollout machine (DESIGN.md §4), xstate v5 with named guards and actions.
 *
 *   pending ──start──▶ running.applying ──TOGGLE_APPLIED──▶ running.observing ──advance──▶ running.applying …
 *                                                              │        ▲
 *                                       approval needed next ──▶ running.awaitingApproval ──APPROVE──▶ applying
 *   running.* / paused ──breach, ABORT──▶ rollingBack ──TOGGLE_APPLIED──▶ rolledBack ──RETRY──▶ pending
 *   completed ──ABORT (kill switch after launch)──▶ rollingBack
 *   running.* ──PAUSE, drift, errors, no data, maxStageDuration──▶ paused ──RESUME──▶ running.* | pending
 *   last stage holds ──▶ completed (through applying when onComplete is `enable`)
 *
 * The machine performs no I/O and reads no clock: every event carries `now`;
 * TICK carries the measurements and the toggle as read. A toggle write is an
 * intent in context (persisted by the runtime first, then applied, then
 * reported as TOGGLE_APPLIED / TOGGLE_FAILED). Deadlines (maxStageDuration,
 * write retries) are epoch ms in context, compared on events, never timers.
 *
 * Decisions: drift (the toggle's effective percent differs from what was last
 * applied) pauses before anything else, so the controller never fights a
 * human; then `decide()` (decide.ts). A pause never stops protection: rollback
 * criteria are still evaluated while paused, except after drift, when a human
 * owns the toggle. RESUME after drift (or after failed writes) re-applies the
 * current stage's percent and restarts the stage's clock and `stage` window,
 * since the data since the stage began no longer describe one percent.
 *
 * A failed rollback is retried with backoff forever (RETRY forces the next
 * attempt now) and raises `rollback_failed` on every failure. Failed forward
 * writes are retried with backoff until maxConsecutiveErrors, then pause.
 */

const EPSILON = 1e-6;

type Ctx = EngineContext;

function operatorText(verb: string, e: OperatorEvent): string {
  return `${verb} by ${e.by}${e.reason ? `: ${e.reason}` : ''}`;
}

export function createRolloutMachine(rollout: Rollout) {
  const stages = rollout.stages;
  const lastIndex = stages.length - 1;

  // guards and actions of one TICK share one decision: decide once per (context, event)
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
        },
        judgeCriterion,
        SEQUENTIAL_DECISIONS,
      );
      perContext.set(event, d);
    }
    return d;
  }

  const tickAction = (context: Ctx, event: EngineEvent): Decision['action'] | null =>
    event.type === 'TICK' ? decisionOf(context, event).action : null;

  function intentFor(context: Ctx, target: WriteTarget, now: number): ToggleIntent {
    const id = `${rollout.name}#${context.intentSeq + 1}`;
    const gate = rollout.toggle.gate;
    if (target.purpose === 'rollback') {
      return { id, action: 'disable', percent: 0, gate, mode: rollout.toggle.onRollback, at: now };
    }
    if (target.purpose === 'complete') return { id, action: 'enable', percent: 100, gate, at: now };
    return { id, action: 'set', percent: stages[target.stageIndex]?.percent ?? 0, gate, at: now };
  }

  function planWrite(context: Ctx, target: WriteTarget, now: number): Partial<Ctx> {
    return {
      write: target,
      intent: intentFor(context, target, now),
      intentSeq: context.intentSeq + 1,
      attempts: 0,
      nextAttemptAt: now,
      lastWriteError: null,
    };
  }

  function stageWrite(index: number, why: string): WriteTarget {
    return { purpose: 'stage', stageIndex: index, stageName: stages[index]?.name ?? null, why };
  }

  function deadlineFrom(now: number): number | null {
    const max = rollout.policy.maxStageDurationMs;
    return max === undefined ? null : now + max;
  }

  function reported(context: Ctx, event: EngineEvent): ToggleState | null {
    return event.type === 'TOGGLE_APPLIED' ? event.state : null;
  }

  /** what the toggle reads after the write, as the drift check will compare it */
  function readsAs(state: ToggleState): number {
    return state.exists ? effectivePercent(state, rollout.toggle.gate) : 0;
  }

  function writeMismatch(context: Ctx, event: EngineEvent): string {
    const state = reported(context, event);
    if (!state) return event.type === 'TOGGLE_FAILED' ? event.error : 'toggle write failed';
    return `toggle reads ${formatCount(readsAs(state))}% after writing ${formatCount(context.intent?.percent ?? 0)}%`;
  }

  function resetCounters(c: DecisionCounters): DecisionCounters {
    // a new stage is a new sample: breach streaks and error-budget looks restart; provider errors do not
    return { ...ZERO_COUNTERS, errors: c.errors };
  }

  function noticeFrom(
    type: RolloutEventType,
    context: Ctx,
    at: number,
    reason: string | null,
  ): NoticeEmitted {
    return {
      type: 'notice',
      notice: buildNotice(rollout, {
        type,
        at,
        stage: context.stageName,
        percent: context.appliedPercent,
        reason,
        decision: context.lastDecision,
      }),
    };
  }

  function pauseFields(kind: PauseKind, resumeTo: ResumeTarget, reason: string): Partial<Ctx> {
    return { pause: { kind, resumeTo }, reason, intent: null, nextAttemptAt: null };
  }

  const pauseNoticeType = (kind: PauseKind | undefined): RolloutEventType =>
    kind === 'drift' ? 'drift' : kind === 'stuck' ? 'held_too_long' : 'paused';

  const machineSetup = setup({
    types: {
      context: {} as Ctx,
      events: {} as EngineEvent,
      emitted: {} as NoticeEmitted,
    },
    guards: {
      drifted: ({ context, event }) =>
        event.type === 'TICK' &&
        event.toggle !== null &&
        Math.abs(readsAs(event.toggle) - context.appliedPercent) > EPSILON,
      mustRollBack: ({ context, event }) => tickAction(context, event) === 'rollback',
      mustPause: ({ context, event }) => tickAction(context, event) === 'pause',
      mustAdvance: ({ context, event }) => tickAction(context, event) === 'advance',
      mustComplete: ({ context, event }) => tickAction(context, event) === 'complete',
      waitsForApproval: ({ context, event }) =>
        event.type === 'TICK' && decisionOf(context, event).awaitingApproval,
      enablesOnComplete: () => rollout.toggle.onComplete === 'enable',
      atLastStage: ({ context }) => context.stageIndex >= lastIndex,
      startApprovable: () => rollout.start.kind === 'manual' || stages[0]?.approval === true,
      approvalStillValid: ({ context }) => {
        // the latest check must still support advancing; only the approval (and the clock window) may be missing
        const d = context.lastDecision;
        return (
          d !== null &&
          d.stageIndex === context.stageIndex &&
          d.gates.every((g) => g.open || g.gate === 'approval' || g.gate === 'advanceDuring')
        );
      },
      staleReport: ({ context, event }) =>
        (event.type === 'TOGGLE_APPLIED' || event.type === 'TOGGLE_FAILED') &&
        (context.intent === null || (event.intentId !== undefined && event.intentId !== context.intent.id)),
      writeCompletes: ({ context }) => context.write?.purpose === 'complete',
      writeTookEffect: ({ context, event }) => {
        const state = reported(context, event);
        return state !== null && Math.abs(readsAs(state) - (context.intent?.percent ?? 0)) <= EPSILON;
      },
      writeRetriesExhausted: ({ context }) => context.attempts + 1 >= rollout.policy.maxConsecutiveErrors,
      writeFailedBefore: ({ context }) => context.attempts > 0 && context.intent !== null,
      pausedForDrift: ({ context }) => context.pause?.kind === 'drift',
      approvalRequested: ({ context }) => context.approvalRequested,
      pausedBeforeStart: ({ context }) => context.pause?.resumeTo === 'pending',
      resumesToPending: ({ context }) => context.pause?.resumeTo === 'pending',
      resumesByReapplying: ({ context }) => context.pause?.resumeTo === 'reapply',
    },
    actions: {
      recordCheck: assign(({ context, event }) => {
        if (event.type !== 'TICK') return {};
        const d = decisionOf(context, event);
        return { lastCheck: event.now, lastDecision: d, counters: d.nextCounters };
      }),
      holdReason: assign(({ context }) => ({ reason: context.lastDecision?.reasons.join('; ') ?? null })),
      requestApproval: assign(({ context }) => ({
        approvalRequested: true,
        reason: context.lastDecision?.reasons.join('; ') ?? 'waiting for approve',
      })),
      noticeApprovalOnce: emit(({ context, event }) =>
        noticeFrom('awaiting_approval', context, event.now, context.reason),
      ),
      planStart: assign(({ context, event }) => ({
        ...planWrite(
          context,
          stageWrite(
            0,
            event.type === 'TICK' ? `starting ${stageLabel(rollout, 0)}` : describeOperator(event),
          ),
          event.now,
        ),
        reason: `applying ${stageLabel(rollout, 0)}`,
      })),
      planNext: assign(({ context, event }) => {
        const next = Math.min(context.stageIndex + 1, lastIndex);
        // after recordCheck: the TICK's decision is context.lastDecision
        const why =
          event.type === 'TICK'
            ? (context.lastDecision?.reasons[0] ?? `advancing to ${stageLabel(rollout, next)}`)
            : `${describeOperator(event)}: ${context.stageName ?? 'start'} → ${stageLabel(rollout, next)}`;
        return {
          ...planWrite(context, stageWrite(next, why), event.now),
          reason: `applying ${stageLabel(rollout, next)}`,
        };
      }),
      planComplete: assign(({ context, event }) => ({
        ...planWrite(
          context,
          {
            purpose: 'complete',
            stageIndex: context.stageIndex,
            stageName: context.stageName,
            why:
              event.type === 'TICK'
                ? (context.lastDecision?.reasons[0] ?? 'complete')
                : describeOperator(event),
          },
          event.now,
        ),
        reason: 'enabling the toggle on completion',
      })),
      planRollback: assign(({ context, event }) => {
        const why =
          event.type === 'TICK'
            ? (context.lastDecision?.reasons.join('; ') ?? 'rollback')
            : event.type === 'ABORT'
              ? operatorText('aborted', event)
              : 'rollback';
        return {
          ...planWrite(
            context,
            { purpose: 'rollback', stageIndex: context.stageIndex, stageName: context.stageName, why },
            event.now,
          ),
          reason: why,
          pause: null,
          stageDeadline: null,
          approvalRequested: false,
        };
      }),
      enterStage: assign(({ context, event }) => {
        const target = context.write;
        const state = reported(context, event);
        if (!target || !state) return {};
        return {
          stageIndex: target.stageIndex,
          stageName: stages[target.stageIndex]?.name ?? target.stageName,
          stageStartedAt: event.now,
          stageDeadline: deadlineFrom(event.now),
          appliedPercent: readsAs(state),
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
      noticeEntered: enqueueActions(({ context, event, enqueue }) => {
        const target = context.write;
        const state = reported(context, event);
        if (!target || !state || target.purpose !== 'stage' || target.stageIndex === context.stageIndex)
          return;
        const type: RolloutEventType = context.stageIndex < 0 ? 'started' : 'advanced';
        enqueue.emit({
          type: 'notice',
          notice: buildNotice(rollout, {
            type,
            at: event.now,
            stage: stages[target.stageIndex]?.name ?? target.stageName,
            percent: readsAs(state),
            reason: target.why,
            decision: context.lastDecision,
          }),
        });
      }),
      markCompleted: assign(({ context, event }) => {
        const state = reported(context, event);
        return {
          appliedPercent: state ? readsAs(state) : context.appliedPercent,
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
      noticeCompleted: emit(({ context, event }) => noticeFrom('completed', context, event.now, null)),
      scheduleWriteRetry: assign(({ context, event }) => {
        const attempts = context.attempts + 1;
        const error = writeMismatch(context, event);
        return {
          attempts,
          nextAttemptAt: event.now + writeBackoffMs(attempts),
          lastWriteError: error,
          reason: `toggle write failed (attempt ${attempts}): ${error}`,
        };
      }),
      pauseForWrites: assign(({ context, event }) => ({
        ...pauseFields(
          'toggle',
          'reapply',
          `toggle write failed ${context.attempts + 1} times: ${writeMismatch(context, event)}`,
        ),
        attempts: context.attempts + 1,
        lastWriteError: writeMismatch(context, event),
      })),
      rollbackFailed: assign(({ context, event }) => {
        const attempts = context.attempts + 1;
        return {
          attempts,
          nextAttemptAt: event.now + writeBackoffMs(attempts),
          lastWriteError: writeMismatch(context, event),
        };
      }),
      noticeRollbackFailed: emit(({ context, event }) =>
        noticeFrom(
          'rollback_failed',
          context,
          event.now,
          `rollback attempt ${context.attempts} failed: ${context.lastWriteError ?? 'unknown error'}; retrying at ${new Date(
            context.nextAttemptAt ?? event.now,
          ).toISOString()} (${context.reason ?? 'rollback'})`,
        ),
      ),
      finishRollback: assign(({ context, event }) => {
        const state = reported(context, event);
        return {
          appliedPercent: state ? readsAs(state) : 0,
          write: null,
          intent: null,
          attempts: 0,
          nextAttemptAt: null,
          lastWriteError: null,
          stageDeadline: null,
        };
      }),
      noticeRolledBack: emit(({ context, event }) =>
        noticeFrom('rolled_back', context, event.now, context.reason),
      ),
      pauseForDrift: assign(({ context, event }) => {
        const seen = event.type === 'TICK' && event.toggle ? readsAs(event.toggle) : 0;
        return pauseFields(
          'drift',
          'reapply',
          `drift: the toggle reads ${formatCount(seen)}% but ${formatCount(context.appliedPercent)}% was applied; paused (resume re-applies ${formatCount(
            context.appliedPercent,
          )}%)`,
        );
      }),
      pauseForDecision: assign(({ context }) => {
        const d = context.lastDecision;
        const kind: PauseKind =
          d?.cause === 'errors'
            ? 'errors'
            : d?.cause === 'no-data'
              ? 'no-data'
              : d?.cause === 'failing'
                ? 'failing'
                : 'stuck';
        return pauseFields(kind, 'observing', d?.reasons.join('; ') ?? 'paused');
      }),
      pauseByOperator: assign(({ context, event }) => {
        if (event.type !== 'PAUSE') return {};
        const resumeTo: ResumeTarget =
          context.stageIndex < 0 && context.write === null
            ? 'pending'
            : context.write
              ? 'reapply'
              : 'observing';
        return pauseFields('operator', resumeTo, operatorText('paused', event));
      }),
      noticePaused: emit(({ context, event }) =>
        noticeFrom(pauseNoticeType(context.pause?.kind), context, event.now, context.reason),
      ),
      resumeObserving: assign(({ context, event }) => ({
        pause: null,
        reason: event.type === 'RESUME' ? operatorText('resumed', event) : null,
        stageDeadline: deadlineFrom(event.now),
        counters: { ...context.counters, errors: 0 },
      })),
      resumeReapply: assign(({ context, event }) => {
        const index =
          context.write?.purpose === 'stage' ? context.write.stageIndex : Math.max(0, context.stageIndex);
        const why = event.type === 'RESUME' ? operatorText('resumed', event) : 'resumed';
        const target: WriteTarget =
          context.write?.purpose === 'complete' ? { ...context.write, why } : stageWrite(index, why);
        return {
          ...planWrite(context, target, event.now),
          pause: null,
          reason: `${why}: re-applying ${formatCount(context.write?.purpose === 'complete' ? 100 : (stages[index]?.percent ?? 0))}%`,
          counters: { ...context.counters, errors: 0 },
        };
      }),
      resumePending: assign(({ event }) => ({
        pause: null,
        reason: event.type === 'RESUME' ? operatorText('resumed', event) : null,
      })),
      approve: assign({ approved: true }),
      retryNow: assign(({ event }) => ({ nextAttemptAt: event.now })),
      restart: assign(({ context, event }) => ({
        ...initialContext(),
        intentSeq: context.intentSeq,
        appliedPercent: context.appliedPercent,
        // the operator's retry is the go-ahead: a manual start or a first-stage approval is not asked again
        approved: true,
        reason: event.type === 'RETRY' ? operatorText('retried', event) : null,
      })),
      abortBeforeStart: assign(({ event }) => ({
        reason:
          event.type === 'ABORT'
            ? `${operatorText('aborted', event)} (before start)`
            : 'aborted before start',
        pause: null,
        intent: null,
        write: null,
      })),
    },
  });

  // every TICK while users are exposed checks these first, in this order: a human's hand on the toggle,
  // then a breach, then a pause the policy asks for; only then the state's own progress
  const PROTECTING_TICK = [
    {
      guard: 'drifted',
      target: '#rollout.paused',
      actions: ['recordCheck', 'pauseForDrift', 'noticePaused'],
    },
    {
      guard: 'mustRollBack',
      target: '#rollout.rollingBack',
      actions: ['recordCheck', 'planRollback'],
    },
    {
      guard: 'mustPause',
      target: '#rollout.paused',
      actions: ['recordCheck', 'pauseForDecision', 'noticePaused'],
    },
  ] as const;

  return machineSetup.createMachine({
    id: 'rollout',
    context: initialContext(),
    initial: 'pending',
    states: {
      pending: {
        on: {
          TICK: [
            { guard: 'mustAdvance', target: 'running.applying', actions: ['recordCheck', 'planStart'] },
            {
              guard: and(['waitsForApproval', not('approvalRequested')]),
              actions: ['recordCheck', 'requestApproval', 'noticeApprovalOnce'],
            },
            { actions: ['recordCheck', 'holdReason'] },
          ],
          APPROVE: {
            guard: 'startApprovable',
            target: 'running.applying',
            actions: ['approve', 'planStart'],
          },
          PROMOTE: { target: 'running.applying', actions: 'planStart' },
          PAUSE: { target: 'paused', actions: ['pauseByOperator', 'noticePaused'] },
          ABORT: { target: 'rolledBack', actions: 'abortBeforeStart' },
        },
      },
      running: {
        initial: 'observing',
        states: {
          applying: {
            on: {
              TICK: [
                {
                  guard: 'mustRollBack',
                  target: '#rollout.rollingBack',
                  actions: ['recordCheck', 'planRollback'],
                },
                { actions: 'recordCheck' },
              ],
              TOGGLE_APPLIED: [
                { guard: 'staleReport' },
                {
                  guard: and(['writeCompletes', 'writeTookEffect']),
                  target: '#rollout.completed',
                  actions: ['markCompleted', 'noticeCompleted'],
                },
                { guard: 'writeTookEffect', target: 'observing', actions: ['noticeEntered', 'enterStage'] },
                {
                  guard: 'writeRetriesExhausted',
                  target: '#rollout.paused',
                  actions: ['pauseForWrites', 'noticePaused'],
                },
                { actions: 'scheduleWriteRetry' },
              ],
              TOGGLE_FAILED: [
                { guard: 'staleReport' },
                {
                  guard: 'writeRetriesExhausted',
                  target: '#rollout.paused',
                  actions: ['pauseForWrites', 'noticePaused'],
                },
                { actions: 'scheduleWriteRetry' },
              ],
              PAUSE: { target: '#rollout.paused', actions: ['pauseByOperator', 'noticePaused'] },
              ABORT: { target: '#rollout.rollingBack', actions: 'planRollback' },
              RETRY: { guard: 'writeFailedBefore', actions: 'retryNow' },
            },
          },
          observing: {
            on: {
              TICK: [
                ...PROTECTING_TICK,
                {
                  guard: and(['mustComplete', 'enablesOnComplete']),
                  target: 'applying',
                  actions: ['recordCheck', 'planComplete'],
                },
                {
                  guard: 'mustComplete',
                  target: '#rollout.completed',
                  actions: ['recordCheck', 'markCompleted', 'noticeCompleted'],
                },
                { guard: 'mustAdvance', target: 'applying', actions: ['recordCheck', 'planNext'] },
                {
                  guard: 'waitsForApproval',
                  target: 'awaitingApproval',
                  actions: ['recordCheck', 'requestApproval', 'noticeApprovalOnce'],
                },
                { actions: ['recordCheck', 'holdReason'] },
              ],
              PAUSE: { target: '#rollout.paused', actions: ['pauseByOperator', 'noticePaused'] },
              ABORT: { target: '#rollout.rollingBack', actions: 'planRollback' },
              PROMOTE: [
                {
                  guard: and(['atLastStage', 'enablesOnComplete']),
                  target: 'applying',
                  actions: 'planComplete',
                },
                {
                  guard: 'atLastStage',
                  target: '#rollout.completed',
                  actions: ['markCompleted', 'noticeCompleted'],
                },
                { target: 'applying', actions: 'planNext' },
              ],
            },
          },
          awaitingApproval: {
            // waiting on a human is not a stuck stage: no maxStageDuration deadline here
            entry: assign({ stageDeadline: null }),
            on: {
              TICK: [
                ...PROTECTING_TICK,
                // a spec changed under a waiting rollout may no longer need the approval
                { guard: 'mustAdvance', target: 'applying', actions: ['recordCheck', 'planNext'] },
                { actions: 'recordCheck' },
              ],
              APPROVE: { guard: 'approvalStillValid', target: 'applying', actions: ['approve', 'planNext'] },
              PROMOTE: [
                {
                  guard: and(['atLastStage', 'enablesOnComplete']),
                  target: 'applying',
                  actions: 'planComplete',
                },
                {
                  guard: 'atLastStage',
                  target: '#rollout.completed',
                  actions: ['markCompleted', 'noticeCompleted'],
                },
                { target: 'applying', actions: 'planNext' },
              ],
              PAUSE: { target: '#rollout.paused', actions: ['pauseByOperator', 'noticePaused'] },
              ABORT: { target: '#rollout.rollingBack', actions: 'planRollback' },
            },
          },
        },
      },
      paused: {
        on: {
          TICK: [
            {
              guard: and([not('pausedForDrift'), 'mustRollBack']),
              target: 'rollingBack',
              actions: ['recordCheck', 'planRollback'],
            },
            { actions: 'recordCheck' },
          ],
          RESUME: [
            { guard: 'resumesToPending', target: 'pending', actions: 'resumePending' },
            { guard: 'resumesByReapplying', target: 'running.applying', actions: 'resumeReapply' },
            { target: 'running.observing', actions: 'resumeObserving' },
          ],
          ABORT: [
            { guard: 'pausedBeforeStart', target: 'rolledBack', actions: 'abortBeforeStart' },
            { target: 'rollingBack', actions: 'planRollback' },
          ],
        },
      },
      rollingBack: {
        on: {
          TOGGLE_APPLIED: [
            { guard: 'staleReport' },
            {
              guard: 'writeTookEffect',
              target: 'rolledBack',
              actions: ['finishRollback', 'noticeRolledBack'],
            },
            { actions: ['rollbackFailed', 'noticeRollbackFailed'] },
          ],
          TOGGLE_FAILED: [{ guard: 'staleReport' }, { actions: ['rollbackFailed', 'noticeRollbackFailed'] }],
          RETRY: { guard: 'writeFailedBefore', actions: 'retryNow' },
        },
      },
      rolledBack: {
        on: {
          RETRY: { target: 'pending', actions: 'restart' },
        },
      },
      // the kill switch after launch (post-launch problems): an abort turns the toggle off like a rollback
      completed: {
        on: { ABORT: { target: 'rollingBack', actions: 'planRollback' } },
      },
    },
  });
}

function describeOperator(event: EngineEvent): string {
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

export type RolloutMachine = ReturnType<typeof createRolloutMachine>;
export type RolloutSnapshot = SnapshotFrom<RolloutMachine>;
