import { judgeCriterion } from '../engine/judge.js';
import { StagegateError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Measurement } from '../ports/metrics-provider.js';
import type { RolloutEvent } from '../ports/notifier.js';
import type { HistoryEntry, RolloutRecord, StateStore, ToggleIntent } from '../ports/state-store.js';
import { effectivePercent, type ToggleProvider, type ToggleState } from '../ports/toggle-provider.js';
import type { MetricsRecorder } from '../server/metrics.js';
import type { Rollout } from '../rollout/types.js';
import { appendHistoryEntries } from '../store/history-append.js';
import { checkLevel, metricFields, metricReadings, type JudgedCriterion } from './check-log.js';
import type { EngineSession, StepOutcome } from './engine-session.js';
import { measureRollout, type ProviderFor } from './measure.js';
import { allCheckedIn, dueOffsets, postLaunchProgress, type PostLaunchProgress } from './post-launch.js';
import { queryTopErrors } from './top-errors.js';

/*
 * One check of one rollout (DESIGN.md §4), in this order:
 *   load record → restore engine → re-apply a pending intent (a crash or an
 *   operator command left one) → read the toggle → query metrics (one
 *   queryMany per provider) → TICK → save the record WITH the new intent →
 *   history (check, transitions) → log one line → notify → write the toggle
 *   (history toggle-intent, write, history toggle-result) → save the result.
 * Every save is optimistic: when an operator command changed the record
 * meanwhile, the step is redone on the fresh record with the same inputs
 * (the same measurements: a redo never queries again).
 *
 * Because the intent is saved before the write and cleared only after the
 * result is saved, a SIGKILL anywhere in between leaves the intent in the
 * record and the next check writes the same absolute value again.
 *
 * A check that ends a stage (advance, complete, rollback) also asks the
 * rollout's `report.errors` query, beside the toggle write, and records the
 * top messages on its history entry. A completed rollout with `postLaunch`
 * offsets gets a check-in when each falls due (see post-launch.ts): every
 * metric measured and judged for the report, the toggle never touched.
 */

export interface RunnerDeps {
  readonly store: StateStore;
  readonly metricsFor: ProviderFor;
  readonly toggleFor: (provider: string) => ToggleProvider;
  readonly openSession: (rollout: Rollout, record: RolloutRecord | undefined) => EngineSession;
  /** fire-and-forget: never awaited by a check */
  readonly notify: (names: readonly string[], event: RolloutEvent) => void;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly observer?: MetricsRecorder;
  /** every record this runner saved: the controller tells its own writes from an operator's */
  readonly onSaved?: (record: RolloutRecord) => void;
  /** every record this runner loaded before acting on it */
  readonly onLoaded?: (record: RolloutRecord) => void;
  readonly settleMs?: number;
}

export interface CheckReport {
  readonly rollout: string;
  /** false when the check did not run (finished rollout, unreadable state) */
  readonly checked: boolean;
  readonly record: RolloutRecord | undefined;
  readonly action: string | null;
}

export interface Runner {
  check(rollout: Rollout): Promise<CheckReport>;
  /** applies the record's pending toggle write, if any and if due (operator commands, rollback retries) */
  applyPending(rollout: Rollout): Promise<boolean>;
}

const MAX_REDO = 5;
const EMPTY: StepOutcome = { transitions: [], notices: [], decision: null };
/** decisions after which the stage is over: the moment to record the types of errors it logged */
const STAGE_ENDS: ReadonlySet<string> = new Set(['advance', 'complete', 'rollback']);

function isConflict(err: unknown): boolean {
  return err instanceof StagegateError && err.code === 'E_STORE_CONFLICT';
}

function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function toRecord(
  rollout: Rollout,
  session: EngineSession,
  previous: RolloutRecord | undefined,
  now: number,
): RolloutRecord {
  return {
    name: rollout.name,
    version: previous?.version ?? 0,
    specHash: rollout.specHash,
    snapshot: session.persisted(),
    intent: session.intent(),
    summary: session.summary(),
    updatedAt: now,
  };
}

/** where a rollout stands: the record as stored (undefined before its first save) and the engine restored from it */
interface Position {
  record: RolloutRecord | undefined;
  session: EngineSession;
}

interface Step extends Position {
  record: RolloutRecord;
  outcome: StepOutcome;
}

export function createRunner(deps: RunnerDeps): Runner {
  const now = deps.now ?? Date.now;
  const { store } = deps;
  // held_too_long is notified once per rollout and stage, not on every check
  const heldNotified = new Map<string, string>();
  // post-launch progress read from history once per completed rollout, then kept here
  const postLaunch = new Map<string, PostLaunchProgress>();

  /** Runs `step` on the session and saves; on a version conflict reloads and redoes it. */
  async function mutate(
    rollout: Rollout,
    record: RolloutRecord | undefined,
    session: EngineSession,
    step: (s: EngineSession) => StepOutcome,
    log: Logger,
  ): Promise<Step> {
    let rec = record;
    let sess = session;
    for (let attempt = 1; ; attempt++) {
      const outcome = step(sess);
      try {
        const saved = await store.save(toRecord(rollout, sess, rec, now()), rec?.version ?? 0);
        deps.onSaved?.(saved);
        deps.observer?.recordSummary(rollout.name, saved.summary);
        return { record: saved, session: sess, outcome };
      } catch (err) {
        if (!isConflict(err) || attempt >= MAX_REDO) throw err;
        log.info(
          { attempt },
          'record changed during the check (operator command?), redoing the step on the new version',
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

  function transitionEntries(outcome: StepOutcome, at: number): HistoryEntry[] {
    // running → running (the engine between applying and observing) is what the toggle entries already say
    return outcome.transitions
      .filter((t) => t.from !== t.to)
      .map((t) => ({
        type: 'transition',
        at,
        from: t.from,
        to: t.to,
        stage: t.stage,
        percent: t.percent,
        reason: t.reason,
      }));
  }

  function announce(rollout: Rollout, step: Step, at: number, log: Logger): void {
    const summary = step.session.summary();
    for (const t of step.outcome.transitions) {
      const fields = {
        from: t.from,
        to: t.to,
        ...(t.fromState !== undefined && { machine: `${t.fromState} → ${t.toState ?? '?'}` }),
        stage: t.stage,
        percent: t.percent,
        reason: t.reason,
      };
      if (t.to === 'rolling_back' || t.to === 'rolled_back') log.error(fields, 'rollout state changed');
      else if (t.from === t.to) log.debug(fields, 'rollout state changed');
      else log.info(fields, 'rollout state changed');
      // counted when the toggle reads off, so an abort from the CLI or the API counts like a breach
      if (t.to === 'rolled_back') deps.observer?.recordRollback(rollout.name);
    }
    for (const event of step.outcome.notices) {
      if (event.type === 'held_too_long') {
        const key = `${summary.stage}:${event.reason}`;
        if (heldNotified.get(rollout.name) === key) continue;
        heldNotified.set(rollout.name, key);
      }
      deps.notify(rollout.notify, event);
    }
  }

  async function readToggle(rollout: Rollout, log: Logger): Promise<ToggleState | null> {
    try {
      return await deps.toggleFor(rollout.toggle.provider).read(rollout.toggle.feature);
    } catch (err) {
      log.warn(
        { feature: rollout.toggle.feature, error: describeError(err) },
        'toggle read failed, drift not checked',
      );
      return null;
    }
  }

  async function write(rollout: Rollout, intent: ToggleIntent): Promise<ToggleState> {
    const provider = deps.toggleFor(rollout.toggle.provider);
    const feature = rollout.toggle.feature;
    switch (intent.action) {
      case 'set':
        return provider.setPercent(feature, intent.percent, intent.gate);
      case 'disable':
        return provider.disable(feature, intent.mode ?? rollout.toggle.onRollback);
      case 'enable':
        return provider.enable(feature);
    }
  }

  /**
   * history toggle-intent → write → history toggle-result → save the result into the record →
   * `then` (the history of the check that decided the write) → the transitions the result caused.
   */
  async function applyIntent(
    rollout: Rollout,
    step: Position,
    log: Logger,
    then: readonly HistoryEntry[] | Promise<readonly HistoryEntry[]> = [],
  ): Promise<Position> {
    const intent = step.session.intent();
    if (!intent) return step;
    await store.appendHistory(rollout.name, { type: 'toggle-intent', at: now(), intent });
    const started = now();
    let state: ToggleState | undefined;
    let error: string | null = null;
    try {
      state = await write(rollout, intent);
    } catch (err) {
      error = describeError(err);
    }
    const at = now();
    const fields = {
      feature: rollout.toggle.feature,
      action: intent.action,
      percent: intent.percent,
      intent: intent.id,
      ms: at - started,
    };
    await store.appendHistory(rollout.name, {
      type: 'toggle-result',
      at,
      intentId: intent.id,
      ok: state !== undefined,
      percent: state ? effectivePercent(state, rollout.toggle.gate) : null,
      error,
    });
    deps.observer?.recordToggleWrite({
      rollout: rollout.name,
      action: intent.action,
      ok: state !== undefined,
    });
    const written = state;
    const next = await mutate(
      rollout,
      step.record,
      step.session,
      (s) => {
        // an operator command may have replaced the intent meanwhile: then this result is not its result
        if (s.intent()?.id !== intent.id) return EMPTY;
        return written ? s.toggleApplied(at, written) : s.toggleFailed(at, error ?? 'unknown error');
      },
      log,
    );
    // the engine decides whether the write landed (a write can answer 200 and still read back wrong)
    const stillPending = next.session.intent()?.id === intent.id;
    const failure = error ?? (stillPending ? 'the toggle does not read back the value written' : null);
    if (!stillPending) {
      log.info(fields, 'toggle written');
    } else if (intent.action === 'disable') {
      // the one thing that must eventually happen: critical on every failure, retried with backoff
      log.fatal(
        { ...fields, error: failure, retryAt: next.session.retryAt() },
        'rollback failed: toggle still on, retrying',
      );
      if (!next.outcome.notices.some((n) => n.type === 'rollback_failed')) {
        const summary = next.session.summary();
        const event: RolloutEvent = {
          type: 'rollback_failed',
          rollout: rollout.name,
          feature: rollout.toggle.feature,
          stage: summary.stage,
          percent: summary.percent,
          at,
          reason: failure,
          readings: metricReadings(next.outcome.decision?.results ?? []),
        };
        next.outcome = { ...next.outcome, notices: [...next.outcome.notices, event] };
      }
    } else {
      log.error(
        { ...fields, error: failure, retryAt: next.session.retryAt() },
        'toggle write failed, will retry',
      );
    }
    await append(rollout.name, [...(await then), ...transitionEntries(next.outcome, at)]);
    announce(rollout, next, at, log);
    return next;
  }

  function due(session: EngineSession): boolean {
    const at = session.retryAt();
    return session.intent() !== null && (at === null || at <= now());
  }

  async function open(
    rollout: Rollout,
    log: Logger,
  ): Promise<Position | { record: RolloutRecord | undefined; session: undefined }> {
    const record = await store.load(rollout.name);
    if (record) deps.onLoaded?.(record);
    try {
      return { record, session: deps.openSession(rollout, record) };
    } catch (err) {
      log.error(
        { error: describeError(err), version: record?.version },
        'rollout state cannot be restored, not checked',
      );
      return { record, session: undefined };
    }
  }

  async function check(rollout: Rollout): Promise<CheckReport> {
    const started = now();
    const log = deps.logger.child({ rollout: rollout.name });
    const opened = await open(rollout, log);
    if (!opened.session)
      return { rollout: rollout.name, checked: false, record: opened.record, action: null };
    let current: Position = opened;
    const specChanged = current.record === undefined || current.record.specHash !== rollout.specHash;

    // a write is attempted at most once per check; a failed one waits for its retry time
    const attempted = new Set<string>();
    const pendingBefore = current.session.intent();
    if (pendingBefore && due(current.session)) {
      attempted.add(pendingBefore.id);
      current = await applyIntent(rollout, current, log);
    }
    const before = current.session.summary();
    if (before.state === 'completed' && rollout.postLaunchMs.length > 0) {
      return checkIn(rollout, current, log);
    }
    // not completed (again): progress remembered from an earlier completion no longer applies
    postLaunch.delete(rollout.name);
    if (before.state === 'completed' || before.state === 'rolled_back') {
      log.debug({ state: before.state }, 'rollout finished, nothing to check');
      return { rollout: rollout.name, checked: false, record: current.record, action: null };
    }

    const stageStart = current.session.stageStart(started);
    const [toggle, measurements] = await Promise.all([
      readToggle(rollout, log),
      current.session.wantsMeasurements()
        ? measureRollout(rollout, deps.metricsFor, {
            now: started,
            stageStart,
            ...(deps.settleMs !== undefined && { settleMs: deps.settleMs }),
          })
        : Promise.resolve<Record<string, Measurement>>({}),
    ]);
    const tickAt = now();
    const ticked = await mutate(
      rollout,
      current.record,
      current.session,
      (s) => s.tick({ now: tickAt, measurements, toggle }),
      log,
    );

    const summary = ticked.session.summary();
    const decision = ticked.outcome.decision;
    // asked now, awaited only when the history is written: the toggle write does not wait for it.
    // Not when starting: an advance out of `pending` ends no stage.
    const errors =
      decision !== null && STAGE_ENDS.has(decision.action) && before.stage !== null
        ? queryTopErrors(rollout, deps.metricsFor, { from: stageStart, to: tickAt }, log)
        : Promise.resolve(null);
    const history: Promise<HistoryEntry[]> = errors.then((top) => [
      ...(specChanged
        ? [{ type: 'spec' as const, at: tickAt, specHash: rollout.specHash, source: rollout.source ?? null }]
        : []),
      {
        type: 'check',
        at: tickAt,
        stage: summary.stage,
        percent: summary.percent,
        detail: {
          state: summary.state,
          measurements,
          results: (decision?.results ?? []).map((r) => ({
            criterion: r.text,
            kind: r.kind,
            verdict: r.verdict,
            value: r.value,
            interval: r.interval,
            reason: r.reason,
          })),
          decision: decision ? { action: decision.action, reasons: decision.reasons } : null,
          toggle: toggle ? effectivePercent(toggle, rollout.toggle.gate) : null,
          durationMs: tickAt - started,
          ...(top !== null && { errors: top }),
        },
      },
      ...transitionEntries(ticked.outcome, tickAt),
    ]);

    const heldTooLong = ticked.outcome.notices.some((n) => n.type === 'held_too_long');
    const action = decision?.action ?? 'none';
    const line = {
      stage: summary.stage,
      percent: summary.percent,
      state: summary.state,
      decision: action,
      reason: decision?.reasons.join('; ') || summary.reason,
      metrics: metricFields(measurements, decision?.results ?? []),
      ms: tickAt - started,
    };
    log[checkLevel(action, measurements, heldTooLong)](line, 'check');
    for (const [metric, m] of Object.entries(measurements)) {
      if (m.kind === 'error') log.warn({ metric, code: m.code, error: m.message }, 'metrics provider error');
    }
    if (heldTooLong) log.warn({ stage: summary.stage, reason: summary.reason }, 'stage held too long');
    deps.observer?.recordCheck({
      rollout: rollout.name,
      decision: action,
      measurements,
      criteria: rollout.criteria,
    });
    announce(rollout, ticked, tickAt, log);

    // the write this check decided goes out before its history entries: a rollback waits for no disk
    let after: Position = ticked;
    const pending = ticked.session.intent();
    if (pending && !attempted.has(pending.id) && due(ticked.session)) {
      after = await applyIntent(rollout, ticked, log, history);
    } else {
      await append(rollout.name, await history);
    }
    return { rollout: rollout.name, checked: true, record: after.record, action };
  }

  /** Where the post-launch check-ins stand: from memory, or read from history once. */
  async function progressOf(
    rollout: Rollout,
    record: RolloutRecord | undefined,
  ): Promise<PostLaunchProgress> {
    const known = postLaunch.get(rollout.name);
    if (known) return known;
    const progress = postLaunchProgress(await store.history(rollout.name)) ?? {
      // completed without a completion in history (history lost): the record's last save is the best guess
      completedAt: record?.updatedAt ?? now(),
      done: new Set<number>(),
    };
    postLaunch.set(rollout.name, progress);
    return progress;
  }

  /**
   * A completed rollout's post-launch check-ins that are due: every metric
   * measured over windows ending now (`window: stage` from completion), judged
   * against the criteria for the report, the errors query asked, one `check`
   * entry per due offset. The toggle is not read or written; nothing is decided.
   */
  async function checkIn(rollout: Rollout, current: Position, log: Logger): Promise<CheckReport> {
    const idle: CheckReport = { rollout: rollout.name, checked: false, record: current.record, action: null };
    const cached = postLaunch.get(rollout.name);
    if (cached && allCheckedIn(rollout.postLaunchMs, cached)) return idle;
    const progress = await progressOf(rollout, current.record);
    const started = now();
    const due = dueOffsets(rollout.postLaunchMs, progress, started);
    if (due.length === 0) return idle;

    const window = { from: progress.completedAt, to: started };
    const [measurements, top] = await Promise.all([
      measureRollout(rollout, deps.metricsFor, {
        now: started,
        stageStart: progress.completedAt,
        ...(deps.settleMs !== undefined && { settleMs: deps.settleMs }),
      }),
      queryTopErrors(rollout, deps.metricsFor, window, log),
    ]);
    const results = judgeAll(rollout, measurements);
    const at = now();
    const summary = current.session.summary();
    for (const offsetMs of due) {
      await store.appendHistory(rollout.name, {
        type: 'check',
        at,
        stage: summary.stage,
        percent: summary.percent,
        detail: {
          state: summary.state,
          measurements,
          results: results.map((r) => ({
            criterion: r.text,
            kind: r.kind,
            verdict: r.verdict,
            value: r.value,
            interval: r.interval,
            reason: r.reason,
          })),
          decision: null,
          toggle: null,
          durationMs: at - started,
          postLaunch: { offsetMs },
          ...(top !== null && { errors: top }),
        },
      });
      progress.done.add(offsetMs);
      log.info(
        {
          offsetMs,
          dueAt: new Date(progress.completedAt + offsetMs).toISOString(),
          metrics: metricFields(measurements, results),
          errors: top?.length ?? null,
          ms: at - started,
        },
        'post-launch check-in',
      );
    }
    return { rollout: rollout.name, checked: true, record: current.record, action: 'post-launch' };
  }

  async function applyPending(rollout: Rollout): Promise<boolean> {
    const log = deps.logger.child({ rollout: rollout.name });
    const opened = await open(rollout, log);
    if (!opened.session || !due(opened.session)) return false;
    await applyIntent(rollout, opened, log);
    return true;
  }

  return { check, applyPending };
}

/** Every criterion judged on one look, as the report reads results; no streaks, no decision. */
function judgeAll(rollout: Rollout, measurements: Readonly<Record<string, Measurement>>): JudgedCriterion[] {
  const kinds = [
    ...rollout.criteria.advance.map((c) => ({ c, kind: 'advance' as const })),
    ...rollout.criteria.rollback.map((c) => ({ c, kind: 'rollback' as const })),
  ];
  return kinds.map(({ c, kind }) => {
    const m: Measurement = measurements[c.metric] ?? { kind: 'no-data', reason: 'not measured' };
    const r = judgeCriterion(c, kind, m, { confidence: rollout.policy.confidence });
    return {
      text: c.text,
      metric: c.metric,
      kind,
      verdict: r.verdict,
      value: r.value,
      interval: r.interval,
      reason: r.reason,
    };
  });
}
