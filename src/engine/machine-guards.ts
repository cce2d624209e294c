import { EPSILON, reported, type Args, type Kit } from './machine-kit.js';

/*
 * The machine's named guards (machine-graph.ts says where each is asked).
 * Decisions come from the kit, decided once per TICK however many guards ask.
 */

export function guardsFor(kit: Kit) {
  const { rollout } = kit;
  const stages = rollout.stages;
  const g = {
    drifted: ({ context, event }: Args) =>
      event.type === 'TICK' && event.toggle !== null && kit.driftOf(context, event.toggle).kind === 'drift',
    mustRollBack: ({ context, event }: Args) => kit.tickAction(context, event) === 'rollback',
    mustPause: ({ context, event }: Args) => kit.tickAction(context, event) === 'pause',
    mustAdvance: ({ context, event }: Args) => kit.tickAction(context, event) === 'advance',
    mustComplete: ({ context, event }: Args) => kit.tickAction(context, event) === 'complete',
    waitsForApproval: ({ context, event }: Args) =>
      event.type === 'TICK' && kit.decisionOf(context, event).awaitingApproval,
    enablesOnComplete: () => rollout.toggle.onComplete === 'enable',
    atLastStage: ({ context }: Args) => context.stageIndex >= kit.lastIndex,
    startApprovable: () => rollout.start.kind === 'manual' || stages[0]?.approval === true,
    approvalStillValid: ({ context }: Args) => {
      // the latest check must still support advancing; only the approval (and the clock window) may be missing
      const d = context.lastDecision;
      return (
        d !== null &&
        d.stageIndex === context.stageIndex &&
        d.gates.every((g) => g.open || g.gate === 'approval' || g.gate === 'advanceDuring')
      );
    },
    staleReport: ({ context, event }: Args) =>
      (event.type === 'TOGGLE_APPLIED' || event.type === 'TOGGLE_FAILED') &&
      (context.intent === null || (event.intentId !== undefined && event.intentId !== context.intent.id)),
    writeCompletes: ({ context }: Args) => context.write?.purpose === 'complete',
    writeTookEffect: ({ context, event }: Args) => {
      const state = reported(event);
      return state !== null && Math.abs(kit.readsAs(state) - (context.intent?.percent ?? 0)) <= EPSILON;
    },
    writeRetriesExhausted: ({ context }: Args) => context.attempts + 1 >= rollout.policy.maxConsecutiveErrors,
    writeFailedBefore: ({ context }: Args) => context.attempts > 0 && context.intent !== null,
    pausedForDrift: ({ context }: Args) => context.pause?.kind === 'drift',
    approvalRequested: ({ context }: Args) => context.approvalRequested,
    pausedBeforeStart: ({ context }: Args) => context.pause?.resumeTo === 'pending',
    resumesToPending: ({ context }: Args) => context.pause?.resumeTo === 'pending',
    resumesByReapplying: ({ context }: Args) => context.pause?.resumeTo === 'reapply',
  };
  return {
    ...g,
    // the compound conditions of the graph, named (xstate's and()/not() do not type outside setup)
    lastStageEnables: (a: Args) => g.atLastStage(a) && g.enablesOnComplete(),
    mustCompleteByEnabling: (a: Args) => g.mustComplete(a) && g.enablesOnComplete(),
    firstWaitForApproval: (a: Args) => g.waitsForApproval(a) && !g.approvalRequested(a),
    completionTookEffect: (a: Args) => g.writeCompletes(a) && g.writeTookEffect(a),
  };
}
