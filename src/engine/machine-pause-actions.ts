import type { PauseKind, ResumeTarget, WriteTarget } from './context.js';
import { formatCount } from './format.js';
import { operatorText, pauseFields, pauseNoticeType, say, set, type Kit } from './machine-kit.js';

/*
 * The machine's pause and resume actions: why it pauses (writes that keep
 * failing, drift, a decision, an operator), the notice, and what a resume
 * goes back to (observing, re-applying the write, or waiting to start).
 */

/** The pause a decision's cause means; anything else is a stage held too long. */
export function pauseKindOf(cause: string | null | undefined): PauseKind {
  switch (cause) {
    case 'errors':
    case 'no-data':
    case 'failing':
      return cause;
    default:
      return 'stuck';
  }
}

export function pauseActions(kit: Kit) {
  const stages = kit.rollout.stages;
  return {
    pauseForWrites: set(({ context, event }) => ({
      ...pauseFields(
        'toggle',
        'reapply',
        `toggle write failed ${context.attempts + 1} times: ${kit.writeMismatch(context, event)}`,
      ),
      attempts: context.attempts + 1,
      lastWriteError: kit.writeMismatch(context, event),
    })),
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
  };
}
