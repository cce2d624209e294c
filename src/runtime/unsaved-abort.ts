import type { Logger } from '../log.js';
import { historyEntry, type HistoryEntry } from '../ports/history.js';
import type { RolloutRecord } from '../ports/state-store.js';
import type { Rollout } from '../rollout/types.js';
import type { CommandMeta, EngineSession } from './engine-session.js';
import { stepEntries } from './history-entries.js';
import type { SafetyNet } from './off-anyway.js';

/*
 * An operator abort inside a running controller (the API) whose record could
 * not be saved (issue 11 item 1): the toggle is already off (abort-first.ts
 * wrote it), but the record still says X%, and the next check would call the
 * 0% it reads drift. So the abort is replayed on the engine restored from the
 * record the abort started from and handed to the safety net like a rollback
 * whose save failed: the toggle is written off once more (idempotent, and
 * confirmed by a read-back), the position is kept in memory, its save retried
 * on the timer, and checks of the rollout do nothing else until it lands.
 */

export interface UnsavedAbortDeps {
  readonly safety: SafetyNet;
  readonly openSession: (rollout: Rollout, record: RolloutRecord | undefined) => EngineSession;
}

/** true when the abort is now kept for a retried save; false when the record refuses an abort (nothing kept) */
export async function keepUnsavedAbort(
  deps: UnsavedAbortDeps,
  rollout: Rollout,
  record: RolloutRecord | undefined,
  meta: CommandMeta,
  cause: unknown,
  log: Logger,
): Promise<boolean> {
  const session = deps.openSession(rollout, record);
  const lead: HistoryEntry[] = [];
  // saved as far as the disable intent (only its result failed): the intent is the abort, replayed as it is
  if (session.intent()?.action !== 'disable') {
    const verdict = session.canAccept('abort');
    if (!verdict.ok) return false;
    const before = session.summary();
    const outcome = session.command('abort', meta);
    lead.push(
      historyEntry({
        type: 'command',
        at: meta.now,
        command: 'abort',
        by: meta.by,
        reason: meta.reason,
        accepted: true,
        message: `abort accepted for ${rollout.name}; toggle written off, state not saved yet (retried)`,
      }),
      ...stepEntries(before, session.summary(), outcome, meta.now),
    );
  }
  await deps.safety.offAnyway(rollout, { record, session }, cause, log, lead);
  return true;
}
