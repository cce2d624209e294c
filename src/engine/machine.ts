import { setup, type SnapshotFrom } from 'xstate';
import type { Rollout } from '../rollout/types.js';
import { initialContext, type EngineEvent, type NoticeEmitted } from './context.js';
import { actionsFor } from './machine-actions.js';
import { guardsFor } from './machine-guards.js';
import { ROLLOUT_GRAPH } from './machine-graph.js';
import { createKit, type Ctx } from './machine-kit.js';

/*
 * The rollout machine (DESIGN.md §4), xstate v5: the graph (machine-graph.ts)
 * with named guards (machine-guards.ts) and actions (machine-actions.ts).
 *
 * The machine performs no I/O and reads no clock: every event carries `now`;
 * TICK carries the measurements, the toggle as read and the check's
 * increments. A toggle write is an intent in context (persisted by the
 * runtime first, then applied, then reported as TOGGLE_APPLIED /
 * TOGGLE_FAILED). Deadlines (maxStageDuration, write retries) are epoch ms in
 * context, compared on events, never timers.
 *
 * Decisions: drift (the toggle's effective percent differs from what was last
 * applied) pauses before anything else, so the controller never fights a
 * human; then `decide()` with the sequential methods (decide.ts). A pause
 * never stops protection: rollback criteria are still evaluated while paused,
 * except after drift, when a human owns the toggle. RESUME after drift (or
 * after failed writes) re-applies the current stage's percent and restarts
 * the stage's clock and `stage` window.
 *
 * A failed rollback is retried with backoff forever (RETRY forces the next
 * attempt now) and raises `rollback_failed` on every failure. Failed forward
 * writes are retried with backoff until maxConsecutiveErrors, then pause.
 *
 * Built once per rollout object (the runner restores an engine per check):
 * the guards and actions close over the rollout only, never over a check.
 */

function build(rollout: Rollout) {
  const kit = createKit(rollout);
  return setup({
    types: {
      context: {} as Ctx,
      events: {} as EngineEvent,
      emitted: {} as NoticeEmitted,
    },
    guards: guardsFor(kit),
    actions: actionsFor(kit),
  }).createMachine({ ...ROLLOUT_GRAPH, context: initialContext() });
}

export type RolloutMachine = ReturnType<typeof build>;
export type RolloutSnapshot = SnapshotFrom<RolloutMachine>;

const built = new WeakMap<Rollout, RolloutMachine>();

export function createRolloutMachine(rollout: Rollout): RolloutMachine {
  let machine = built.get(rollout);
  if (!machine) {
    machine = build(rollout);
    built.set(rollout, machine);
  }
  return machine;
}
