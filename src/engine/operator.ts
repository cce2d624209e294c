import type { Rollout } from '../rollout/types.js';
import type { EngineContext, EngineStateName, OperatorEventType } from './context.js';
import { stageLabel } from './format.js';

/*
 * Why an operator command is refused in a state, in words the CLI prints.
 * Whether it is refused is the machine's own answer (`snapshot.can(event)`,
 * rollout-engine.ts), so this table can never accept what the machine would
 * ignore; it only explains.
 */

export type Acceptance = { readonly ok: true } | { readonly ok: false; readonly reason: string };

function latest(context: EngineContext): string {
  const reasons = context.lastDecision?.reasons ?? [];
  return reasons.length > 0 ? reasons.join('; ') : 'no check yet';
}

export function refusalReason(
  rollout: Rollout,
  state: EngineStateName,
  context: EngineContext,
  type: OperatorEventType,
): string {
  const here = context.stageIndex >= 0 ? stageLabel(rollout, context.stageIndex) : 'not started';
  switch (state) {
    case 'pending':
      if (type === 'APPROVE') {
        return `nothing to approve: the rollout starts ${rollout.start.kind === 'at' ? `at ${new Date(rollout.start.at).toISOString()}` : 'by itself'} and ${stageLabel(rollout, 0)} needs no approval`;
      }
      return `the rollout has not started (${context.reason ?? 'pending'}); nothing to ${type.toLowerCase()}`;
    case 'running.applying':
      if (type === 'RETRY') return 'no failed toggle write to retry';
      if (type === 'RESUME')
        return `not paused: applying ${context.intent ? `${context.intent.percent}%` : here}`;
      return `a toggle write is in flight (${context.reason ?? 'applying'}); ${type.toLowerCase()} once it lands`;
    case 'running.observing':
      if (type === 'APPROVE') return `not awaiting approval: ${latest(context)}`;
      if (type === 'RESUME') return `not paused: running at ${here}`;
      return `nothing to retry: running at ${here}`;
    case 'running.awaitingApproval':
      if (type === 'APPROVE') return `the latest check no longer supports advancing: ${latest(context)}`;
      if (type === 'RESUME') return `not paused: awaiting approval at ${here}`;
      return `nothing to retry: awaiting approval at ${here}`;
    case 'paused':
      if (type === 'PAUSE') return `already paused: ${context.reason ?? 'paused'}`;
      if (type === 'RETRY') return `paused, not failed: use resume (${context.reason ?? 'paused'})`;
      return `paused (${context.reason ?? 'paused'}): resume first`;
    case 'rollingBack':
      if (type === 'ABORT') return 'already rolling back';
      if (type === 'RETRY') return 'the rollback write has not failed; nothing to retry';
      if (type === 'PAUSE') return 'a rollback cannot be paused; it retries until the toggle is off';
      return `rolling back (${context.reason ?? 'rollback'}); retry once it is rolled back`;
    case 'rolledBack':
      if (type === 'ABORT') return 'already rolled back';
      return `rolled back (${context.reason ?? 'rollback'}): use retry to start again from ${stageLabel(rollout, 0)}`;
    case 'completed':
      return `the rollout is completed; nothing to ${type.toLowerCase()} (abort turns the toggle off)`;
  }
}
