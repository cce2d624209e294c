import { StagegateError } from '../errors.js';
import type { Logger } from '../log.js';
import { historyEntry, type HistoryEntry } from '../ports/history.js';
import type { MetricReading, RolloutEvent } from '../ports/notifier.js';
import type { ControllerObserver } from '../ports/observer.js';
import type { RolloutRecord, RolloutSummary, StateStore, ToggleIntent } from '../ports/state-store.js';
import type { ToggleProvider, ToggleState } from '../ports/toggle-provider.js';
import type { Rollout } from '../rollout/types.js';
import { appendHistoryEntries } from '../ports/history-append.js';
import type { EngineSession, StepOutcome } from './engine-session.js';
import { stepEntries, toggleResultEntry } from './history-entries.js';

/*
 * The one way an engine step reaches the store and the toggle (DESIGN.md §4),
 * used by the runner's checks, the operator commands and `simulate`:
 *
 *   commit:      step on the engine → save the record WITH the intent the step
 *                left; on E_STORE_CONFLICT (someone saved meanwhile) reload
 *                and redo the step on the new version with the same inputs
 *                (a redo never measures again).
 *   applyIntent: history toggle-intent (what led to it committed with the
 *                record holding the intent) → the toggle write → save the result with its toggle-result entry
 *                and what it caused (transitions, stage moves), atomically.
 *
 * A commit's `history` entries are saved in the same atomic write as the
 * record (StateStore SaveOptions, issue 14): a redo recomputes them, a
 * conflict or a fenced refusal appends none, and a SIGKILL right after the
 * save loses none — a stage entered is in the history exactly once.
 * Because the intent is saved before the write and cleared only after the
 * result is saved, a SIGKILL anywhere in between leaves the intent in the
 * record and the next check writes the same absolute value again. History is
 * appended in causal order: check → decision → intent → write → result.
 */

export interface StepDeps {
  readonly store: StateStore;
  readonly toggleFor: (provider: string) => ToggleProvider;
  readonly openSession: (rollout: Rollout, record: RolloutRecord | undefined) => EngineSession;
  readonly now: () => number;
  readonly observer?: ControllerObserver;
  /** every record saved: the controller tells its own writes from an operator's */
  readonly onSaved?: (record: RolloutRecord) => void;
}

/** where a rollout stands: the record as stored (undefined before its first save) and the engine restored from it */
export interface Position {
  readonly record: RolloutRecord | undefined;
  readonly session: EngineSession;
}

export interface Step extends Position {
  readonly outcome: StepOutcome;
  /** the summary the step started from (after a redo: the reloaded one) */
  readonly before: RolloutSummary;
}

export interface CommitOptions {
  readonly log: Logger;
  /** `rollout`: record the spec this step ran with; `keep`: the record's (operator commands) */
  readonly specHash: 'rollout' | 'keep';
  /** after the step: true when there is nothing to save (a refused command) */
  readonly skip?: () => boolean;
  /** the step's history entries, committed atomically with its record (recomputed on a redo) */
  readonly history?: (before: RolloutSummary, session: EngineSession, outcome: StepOutcome) => HistoryEntry[];
}

export interface WriteReport {
  readonly intent: ToggleIntent;
  readonly step: Step;
  /** null when the write landed and reads back as written */
  readonly failure: string | null;
  readonly at: number;
  readonly ms: number;
}

export interface Stepper {
  commit(
    rollout: Rollout,
    from: Position,
    step: (s: EngineSession) => StepOutcome,
    opts: CommitOptions,
  ): Promise<Step>;
  /** the record's intent written (what decided it was committed with the record that holds the intent) */
  applyIntent(rollout: Rollout, from: Position, log: Logger): Promise<WriteReport | null>;
  append(name: string, entries: readonly HistoryEntry[]): Promise<void>;
  /** whether the session's intent may be written now (no retry wait pending) */
  due(session: EngineSession): boolean;
}

const MAX_REDO = 5;
const EMPTY: StepOutcome = { transitions: [], notices: [], decision: null };

/**
 * A toggle write was made but its result could not be recorded (the store failed after the write). Carries
 * the position with the result applied, and the history not yet appended, for the safety net (off-anyway.ts).
 */
export class ResultUnsavedError extends Error {
  constructor(
    cause: unknown,
    readonly previous: RolloutRecord | undefined,
    readonly session: EngineSession,
    readonly outcome: StepOutcome,
    readonly entries: readonly HistoryEntry[],
  ) {
    super(`toggle written, result not saved: ${describeError(cause)}`, { cause });
    this.name = 'ResultUnsavedError';
  }
}

export function isConflict(err: unknown): boolean {
  return err instanceof StagegateError && err.code === 'E_STORE_CONFLICT';
}

export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function toRecord(
  rollout: Rollout,
  session: EngineSession,
  previous: RolloutRecord | undefined,
  specHash: 'rollout' | 'keep',
  now: number,
): RolloutRecord {
  return {
    name: rollout.name,
    version: previous?.version ?? 0,
    // an operator command keeps the spec the controller last checked, so its next check records a `spec` entry
    specHash: specHash === 'keep' ? (previous?.specHash ?? rollout.specHash) : rollout.specHash,
    snapshot: session.persisted(),
    intent: session.intent(),
    summary: session.summary(),
    updatedAt: now,
    // the last valid spec travels with the record, so a typo in the file never disarms the commands
    spec: specHash === 'keep' ? (previous?.spec ?? rollout) : rollout,
  };
}

async function write(toggles: ToggleProvider, rollout: Rollout, intent: ToggleIntent): Promise<ToggleState> {
  const feature = rollout.toggle.feature;
  switch (intent.action) {
    case 'set':
      return toggles.setPercent(feature, intent.percent, intent.gate);
    case 'disable':
      return toggles.disable(feature, intent.mode ?? rollout.toggle.onRollback);
    case 'enable':
      return toggles.enable(feature);
  }
}

export function createStepper(deps: StepDeps): Stepper {
  const { store, now } = deps;

  async function commit(
    rollout: Rollout,
    from: Position,
    step: (s: EngineSession) => StepOutcome,
    opts: CommitOptions,
  ): Promise<Step> {
    let rec = from.record;
    let sess = from.session;
    for (let attempt = 1; ; attempt++) {
      const before = sess.summary();
      const outcome = step(sess);
      if (opts.skip?.()) return { record: rec, session: sess, outcome, before };
      try {
        const history = opts.history?.(before, sess, outcome) ?? [];
        const saved = await store.save(
          toRecord(rollout, sess, rec, opts.specHash, now()),
          rec?.version ?? 0,
          {
            history,
          },
        );
        deps.onSaved?.(saved);
        deps.observer?.recordSummary(rollout.name, saved.summary);
        return { record: saved, session: sess, outcome, before };
      } catch (err) {
        if (!isConflict(err) || attempt >= MAX_REDO) throw err;
        opts.log.info(
          { attempt },
          'record changed during the step (operator command?), redoing it on the new version',
        );
        rec = await store.load(rollout.name);
        sess = deps.openSession(rollout, rec);
      }
    }
  }

  async function append(name: string, entries: readonly HistoryEntry[]): Promise<void> {
    // one write and one fdatasync for all of them on the file store (perf: issue 6 benchmark)
    await appendHistoryEntries(store, name, entries);
  }

  async function applyIntent(rollout: Rollout, from: Position, log: Logger): Promise<WriteReport | null> {
    const intent = from.session.intent();
    if (!intent) return null;
    await append(rollout.name, [historyEntry({ type: 'toggle-intent', at: now(), intent })]);
    const started = now();
    let state: ToggleState | undefined;
    let error: string | null = null;
    try {
      state = await write(deps.toggleFor(rollout.toggle.provider), rollout, intent);
    } catch (err) {
      error = describeError(err);
    }
    const at = now();
    const result = toggleResultEntry(rollout, intent.id, at, state ?? null, error);
    deps.observer?.recordToggleWrite({
      rollout: rollout.name,
      action: intent.action,
      ok: state !== undefined,
    });
    const written = state;
    // the session the result was first applied to (the one a failed save was for), and what it did
    const first: { step?: { session: EngineSession; outcome: StepOutcome; before: RolloutSummary } } = {};
    const applyResult = (s: EngineSession): StepOutcome => {
      const before = s.summary();
      // an operator command may have replaced the intent meanwhile: then this result is not its result
      const outcome =
        s.intent()?.id !== intent.id
          ? EMPTY
          : written
            ? s.toggleApplied(at, written)
            : s.toggleFailed(at, error ?? 'unknown error');
      first.step ??= { session: s, outcome, before };
      return outcome;
    };
    // the toggle has moved: a store failing from here on must not leave that unrecorded (issue 11 item 3)
    let next: Step;
    try {
      next = await commit(rollout, from, applyResult, {
        log,
        specHash: 'keep',
        // the result and what it caused (a stage entered) commit with the record that says so
        history: (before, s, outcome) => [result, ...stepEntries(before, s.summary(), outcome, at)],
      });
    } catch (err) {
      if (isConflict(err)) throw err;
      // the store failed before the result was applied to any session: apply it here instead
      if (first.step === undefined) applyResult(from.session);
      const pos = first.step as typeof first.step | undefined;
      if (!pos) throw err;
      const entries = [result, ...stepEntries(pos.before, pos.session.summary(), pos.outcome, at)];
      throw new ResultUnsavedError(err, from.record, pos.session, pos.outcome, entries);
    }
    // the engine decides whether the write landed (a write can answer 200 and still read back wrong)
    const stillPending = next.session.intent()?.id === intent.id;
    const failure = error ?? (stillPending ? 'the toggle does not read back the value written' : null);
    return { intent, step: next, failure, at, ms: at - started };
  }

  function due(session: EngineSession): boolean {
    const at = session.retryAt();
    return session.intent() !== null && (at === null || at <= now());
  }

  return { commit, applyIntent, append, due };
}

/** The notice a failed rollback raises on every failure, unless the engine raised one itself. */
export function rollbackFailedNotice(
  rollout: Rollout,
  report: WriteReport,
  readings: readonly MetricReading[],
): RolloutEvent | null {
  if (report.failure === null || report.intent.action !== 'disable') return null;
  if (report.step.outcome.notices.some((n) => n.type === 'rollback_failed')) return null;
  const summary = report.step.session.summary();
  return {
    type: 'rollback_failed',
    rollout: rollout.name,
    feature: rollout.toggle.feature,
    stage: summary.stage,
    percent: summary.percent,
    at: report.at,
    reason: report.failure,
    readings,
  };
}
