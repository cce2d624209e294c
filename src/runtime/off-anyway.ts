import { StagegateError } from '../errors.js';
import type { Logger } from '../log.js';
import { historyEntry, type HistoryEntry } from '../ports/history.js';
import type { RolloutEvent } from '../ports/notifier.js';
import type { RolloutRecord } from '../ports/state-store.js';
import { effectivePercent, type ToggleState } from '../ports/toggle-provider.js';
import type { Rollout } from '../rollout/types.js';
import type { EngineSession, StepOutcome } from './engine-session.js';
import { stepEntries, toggleResultEntry } from './history-entries.js';
import { describeError, isConflict, type StepDeps, type Stepper } from './step.js';

/*
 * Safety before bookkeeping (issue 11 item 1). The usual order is "save the
 * intent, then write the toggle" so that a crash re-applies the write; but
 * when the save itself fails (ENOSPC, EROFS, a store that is down), that
 * order would leave a breached rollout's toggle on. So for a write toward off
 * (a rollback, an abort) whose save failed:
 *   1. log at fatal, write the toggle off anyway (idempotent: doing it twice
 *      is harmless, not doing it is the failure);
 *   2. feed the result to the engine, notify what it raised (rolled_back, or
 *      rollback_failed);
 *   3. keep the unsaved position in memory and retry the save before every
 *      later check of that rollout (which does nothing else until it lands);
 *      the history it could not commit goes with it, in order, and commits
 *      with the save that lands.
 * A conflict is not a failing store (someone saved meanwhile): never here.
 */

export interface SafetyNetDeps extends Pick<StepDeps, 'toggleFor' | 'now' | 'observer'> {
  readonly notify: (names: readonly string[], event: RolloutEvent) => void;
  /** a position was left unsaved: its save is retried on a timer (unsaved-retry.ts), not only at check cadence */
  readonly onUnsaved?: (rollout: Rollout) => void;
}

/** A position whose toggle write was made but whose record could not be saved (an abort, a write's result). */
export interface UnsavedPosition {
  readonly previous: RolloutRecord | undefined;
  readonly session: EngineSession;
  /** the history the failed saves could not append, in order */
  readonly entries: readonly HistoryEntry[];
}

interface Unsaved {
  readonly previous: RolloutRecord | undefined;
  readonly session: EngineSession;
  readonly entries: HistoryEntry[];
  readonly since: number;
}

export interface OffAnywayResult {
  readonly state: ToggleState | null;
  readonly error: string | null;
  readonly outcome: StepOutcome;
}

export interface SafetyNet {
  /** whether `err`, thrown by saving `session`'s step, calls for writing the toggle off anyway */
  applies(err: unknown, session: EngineSession): boolean;
  offAnyway(
    rollout: Rollout,
    from: { record: RolloutRecord | undefined; session: EngineSession },
    cause: unknown,
    log: Logger,
    lead?: readonly HistoryEntry[],
  ): Promise<OffAnywayResult>;
  /** retries the save of an unsaved position; true when nothing is left unsaved for this rollout */
  flush(rollout: Rollout, stepper: Stepper, log: Logger): Promise<boolean>;
  unsaved(name: string): boolean;
  /** every rollout with an unsaved position, and since when (epoch ms): readiness fails while any is left */
  pending(): { readonly name: string; readonly since: number }[];
  /**
   * keeps a position whose save failed after its toggle write, retried like an off-anyway one; `outcome`
   * (what the write's result caused) is notified and counted here, as the announcer would have
   */
  keep(rollout: Rollout, position: UnsavedPosition, cause: unknown, log: Logger, outcome?: StepOutcome): void;
  /**
   * `fn` saves a step of `from`; when the store fails under a write toward off: offAnyway, and null.
   * `lead`, asked only then: the history that failed save was to commit, kept for the retried save.
   */
  guard<T>(
    rollout: Rollout,
    from: { record: RolloutRecord | undefined; session: EngineSession },
    log: Logger,
    fn: () => Promise<T>,
    lead?: () => readonly HistoryEntry[],
  ): Promise<T | null>;
}

const EMPTY: StepOutcome = { transitions: [], notices: [], decision: null };

export function errnoOf(err: unknown): string | null {
  const errno = err instanceof StagegateError ? err.details.errno : undefined;
  return typeof errno === 'string' ? errno : null;
}

export function writeIsTowardOff(session: EngineSession): boolean {
  return session.intent()?.action === 'disable';
}

export function createSafetyNet(deps: SafetyNetDeps): SafetyNet {
  const pending = new Map<string, Unsaved>();

  async function offAnyway(
    rollout: Rollout,
    from: { record: RolloutRecord | undefined; session: EngineSession },
    cause: unknown,
    log: Logger,
    lead: readonly HistoryEntry[] = [],
  ): Promise<OffAnywayResult> {
    const { session } = from;
    const intent = session.intent();
    if (!intent) throw cause;
    log.fatal(
      { error: describeError(cause), errno: errnoOf(cause), intent: intent.action },
      'state not saved: writing the toggle off anyway',
    );
    const before = session.summary();
    const entries: HistoryEntry[] = [
      ...lead,
      historyEntry({ type: 'toggle-intent', at: deps.now(), intent }),
    ];
    let state: ToggleState | null = null;
    let error: string | null = null;
    try {
      state = await deps
        .toggleFor(rollout.toggle.provider)
        .disable(rollout.toggle.feature, intent.mode ?? rollout.toggle.onRollback);
    } catch (err) {
      error = describeError(err);
    }
    const at = deps.now();
    deps.observer?.recordToggleWrite({ rollout: rollout.name, action: intent.action, ok: state !== null });
    entries.push(toggleResultEntry(rollout, intent.id, at, state, error));
    const outcome = state ? session.toggleApplied(at, state) : session.toggleFailed(at, error ?? 'unknown');
    const after = session.summary();
    entries.push(...stepEntries(before, after, outcome, at));
    for (const event of outcome.notices) deps.notify(rollout.notify, event);
    for (const t of outcome.transitions)
      if (t.to === 'rolled_back') deps.observer?.recordRollback(rollout.name);
    if (!state && !outcome.notices.some((n) => n.type === 'rollback_failed')) {
      deps.notify(rollout.notify, {
        type: 'rollback_failed',
        rollout: rollout.name,
        feature: rollout.toggle.feature,
        stage: after.stage,
        percent: after.percent,
        at,
        reason: `state store failing (${describeError(cause)}) and the toggle write failed: ${error ?? 'unknown'}`,
        readings: [],
      });
    }
    remember(rollout, { previous: from.record, session, entries }, at);
    if (state) {
      log.fatal(
        { percent: effectivePercent(state, rollout.toggle.gate), state: after.state },
        'toggle written off; state still unsaved, retrying the save',
      );
    } else {
      log.fatal({ error }, 'toggle write failed and state unsaved: toggle may still be on');
    }
    return { state, error, outcome };
  }

  function remember(rollout: Rollout, position: UnsavedPosition, at: number): void {
    const known = pending.get(rollout.name);
    pending.set(rollout.name, {
      previous: known?.previous ?? position.previous,
      session: position.session,
      entries: [...(known?.entries ?? []), ...position.entries],
      since: known?.since ?? at,
    });
    deps.onUnsaved?.(rollout);
  }

  function keep(
    rollout: Rollout,
    position: UnsavedPosition,
    cause: unknown,
    log: Logger,
    outcome: StepOutcome = EMPTY,
  ): void {
    for (const event of outcome.notices) deps.notify(rollout.notify, event);
    for (const t of outcome.transitions)
      if (t.to === 'rolled_back') deps.observer?.recordRollback(rollout.name);
    const summary = position.session.summary();
    log.fatal(
      { error: describeError(cause), errno: errnoOf(cause), state: summary.state, percent: summary.percent },
      'toggle written but state not saved, retrying the save',
    );
    remember(
      rollout,
      { previous: position.previous, session: position.session, entries: position.entries },
      deps.now(),
    );
  }

  // the timer and a check may both retry: one save at a time per rollout, the other waits for its answer
  const flushing = new Map<string, Promise<boolean>>();
  function flush(rollout: Rollout, stepper: Stepper, log: Logger): Promise<boolean> {
    const running = flushing.get(rollout.name);
    if (running) return running;
    const attempt = flushOnce(rollout, stepper, log).finally(() => flushing.delete(rollout.name));
    flushing.set(rollout.name, attempt);
    return attempt;
  }

  async function flushOnce(rollout: Rollout, stepper: Stepper, log: Logger): Promise<boolean> {
    const unsaved = pending.get(rollout.name);
    if (!unsaved) return true;
    try {
      // on a conflict, commit redoes on the stored version: that record is kept (the toggle is off either way);
      // the kept history commits with it, atomically, so a crash now neither loses nor doubles it
      await stepper.commit(rollout, { record: unsaved.previous, session: unsaved.session }, () => EMPTY, {
        log,
        specHash: 'rollout',
        history: () => unsaved.entries,
      });
    } catch (err) {
      log.error(
        { error: describeError(err), errno: errnoOf(err), since: new Date(unsaved.since).toISOString() },
        'state still unsaved, check skipped',
      );
      return false;
    }
    pending.delete(rollout.name);
    log.warn({ since: new Date(unsaved.since).toISOString() }, 'state saved after the store recovered');
    return true;
  }

  const applies = (err: unknown, session: EngineSession): boolean =>
    !isConflict(err) && writeIsTowardOff(session);

  return {
    applies,
    async guard(rollout, from, log, fn, lead = () => []) {
      try {
        return await fn();
      } catch (err) {
        // the session is the one the failed save was for: the tick (or command) has already run on it
        if (!applies(err, from.session)) throw err;
        await offAnyway(rollout, from, err, log, lead());
        return null;
      }
    },
    offAnyway,
    flush,
    unsaved: (name) => pending.has(name),
    pending: () => [...pending].map(([name, u]) => ({ name, since: u.since })),
    keep,
  };
}
