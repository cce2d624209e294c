import type { Logger } from '../log.js';
import type { HistoryEntry } from '../ports/history.js';
import type { Measurement } from '../ports/metrics-provider.js';
import type { RolloutEventType } from '../ports/notifier.js';
import type { RolloutRecord } from '../ports/state-store.js';
import { effectivePercent, type ToggleProvider } from '../ports/toggle-provider.js';
import { formatExposure } from '../ports/toggle-exposure.js';
import { readToggleConfirmed, untilAborted } from './check-reads.js';
import type { Rollout } from '../rollout/types.js';
import { createAnnouncer } from './announce.js';
import { logCheckLine } from './check-line.js';
import { createCheckIns } from './check-in.js';
import { createSafetyNet } from './off-anyway.js';
import { confirmingOff } from './confirmed-off.js';
import { createRetryClock } from './retry-clock.js';
import { scrubbingStore } from './scrubbing-store.js';
import { stageErrorsEntry, tickEntries } from './history-entries.js';
import { measureCheck } from './measure.js';
import { createStepper, describeError, ResultUnsavedError, type Position } from './step.js';
import { createUnsavedRetry } from './unsaved-retry.js';
import { keepUnsavedAbort } from './unsaved-abort.js';
import { applyAbortMarker } from './abort-marker.js';
import { queryTopErrors } from './top-errors.js';

/*
 * One check of one rollout (DESIGN.md §4), in this order:
 *   load record → restore engine → re-apply a pending intent (a crash or an
 *   operator command left one) → read the toggle → query metrics (one
 *   queryMany per provider) → TICK → save the record WITH the new intent and,
 *   in the same atomic write, its history (spec, check, transitions, stage
 *   moves) → log one line → notify → history toggle-intent → write the toggle
 *   → save the result with its toggle-result entry and what it caused
 *   (step.ts does the writes).
 *
 * Writes per check: at most one attempt per intent, so at most two writes: a
 * pending intent found at the start, then the one this check's TICK decided.
 * A failed write waits for its retry time (the engine's backoff). `simulate`
 * runs this same check, so it follows the same rule.
 *
 * A check that ends a stage (advance, complete, rollback) also asks the
 * rollout's `report.errors` query, beside the toggle write, and records the
 * top messages in a `stage-errors` entry after the write's history. A completed
 * rollout with `postLaunch` offsets gets a check-in when each falls due.
 */

import type { CheckReport, Runner, RunnerDeps } from './runner-types.js';
export type { CheckFacts, CheckReport, Runner, RunnerDeps } from './runner-types.js';

/** decisions after which the stage is over: the moment to record the types of errors it logged */
const STAGE_ENDS: ReadonlySet<string> = new Set(['advance', 'complete', 'rollback']);

export function createRunner(deps: RunnerDeps): Runner {
  const now = deps.now ?? Date.now;
  // records and history are scrubbed on the way in, whoever built them
  const store = scrubbingStore(deps.store);
  deps = { ...deps, store };
  // every write toward off is confirmed by its answer and a read-back (confirmed-off.ts)
  const toggleFor = (provider: string): ToggleProvider => confirmingOff(deps.toggleFor(provider));
  const stepper = createStepper({ ...deps, toggleFor, now });
  const announcer = createAnnouncer(deps);
  const checkIns = createCheckIns({ ...deps, now });
  const serialize = deps.serialize ?? (<T>(_name: string, work: () => Promise<T>) => work());
  const unsavedRetry = createUnsavedRetry({
    logger: deps.logger,
    ...deps.unsavedRetryMs,
    retry: (rollout) =>
      serialize(rollout.name, () =>
        safety.flush(rollout, stepper, deps.logger.child({ rollout: rollout.name })),
      ),
  });
  const safety = createSafetyNet({ ...deps, toggleFor, now, onUnsaved: (r) => unsavedRetry.schedule(r) });
  const retries = createRetryClock(now, deps.monotonic);

  async function open(
    rollout: Rollout,
    log: Logger,
  ): Promise<{ record: RolloutRecord | undefined; position: Position | undefined }> {
    const record = await store.load(rollout.name);
    if (record) deps.onLoaded?.(record);
    try {
      return { record, position: { record, session: deps.openSession(rollout, record) } };
    } catch (err) {
      log.error(
        { error: describeError(err), version: record?.version },
        'rollout state cannot be restored, not checked',
      );
      return { record, position: undefined };
    }
  }

  /** The intent written; the position after, and the notices it raised. */
  async function writeIntent(
    rollout: Rollout,
    from: Position,
    log: Logger,
  ): Promise<{ position: Position; notices: RolloutEventType[] } | null> {
    let report;
    try {
      report = await stepper.applyIntent(rollout, from, log);
    } catch (err) {
      if (!(err instanceof ResultUnsavedError)) throw err;
      // the toggle moved and the store failed: kept, retried on the timer, what it caused notified
      safety.keep(rollout, err, err.cause, log, err.outcome);
      return null;
    }
    if (!report) return { position: from, notices: [] };
    if (report.failure === null) retries.forget(report.intent.id);
    else retries.failed(report.intent.id, report.at);
    announcer.write(rollout, report, log);
    return { position: report.step, notices: report.step.outcome.notices.map((n) => n.type) };
  }

  const inFlight = new Map<string, AbortController>();

  async function check(rollout: Rollout): Promise<CheckReport> {
    const cancel = new AbortController();
    inFlight.set(rollout.name, cancel);
    try {
      return await checkOnce(rollout, cancel.signal);
    } finally {
      if (inFlight.get(rollout.name) === cancel) inFlight.delete(rollout.name);
    }
  }

  async function checkOnce(rollout: Rollout, signal: AbortSignal): Promise<CheckReport> {
    const started = now();
    const log = deps.logger.child({ rollout: rollout.name });
    const idle = (record: RolloutRecord | undefined, action: string | null = null): CheckReport => ({
      rollout: rollout.name,
      checked: false,
      record,
      action,
      facts: null,
    });
    // a toggle written off while the store was failing: its state is saved before anything else happens
    if (!(await safety.flush(rollout, stepper, log))) return idle(undefined, 'unsaved');
    const opened = await open(rollout, log);
    if (!opened.position) return idle(opened.record);
    let current: Position = opened.position;
    if (deps.abortMarkers)
      current = await applyAbortMarker(deps.abortMarkers, rollout, current, stepper, log);
    const specChanged = current.record === undefined || current.record.specHash !== rollout.specHash;

    const notices: RolloutEventType[] = [];
    const attempted = new Set<string>();
    const pendingBefore = current.session.intent();
    if (pendingBefore && retries.due(current.session)) {
      attempted.add(pendingBefore.id);
      const from = current;
      const written = await safety.guard(rollout, from, log, () => writeIntent(rollout, from, log));
      if (!written) return idle(undefined, 'off-anyway');
      current = written.position;
      notices.push(...written.notices);
    }
    const before = current.session.summary();
    if (before.state === 'completed' && rollout.postLaunchMs.length > 0) {
      const ran = await checkIns.run(rollout, current, log);
      return { ...idle(current.record), checked: ran, action: ran ? 'post-launch' : null };
    }
    checkIns.forget(rollout.name);
    if (before.state === 'completed' || before.state === 'rolled_back') {
      log.debug({ state: before.state }, 'rollout finished, nothing to check');
      return idle(current.record);
    }

    const stageStart = current.session.stageStart(started);
    const read = await untilAborted(
      signal,
      Promise.all([
        readToggleConfirmed(deps.toggleFor(rollout.toggle.provider), rollout, before.percent, log, signal),
        current.session.wantsMeasurements()
          ? measureCheck(rollout, deps.metricsFor, {
              now: started,
              stageStart,
              signal,
              ledger: current.session.ledger?.(),
              ...(deps.settleMs !== undefined && { settleMs: deps.settleMs }),
            })
          : Promise.resolve(null),
      ]),
    );
    // whatever a provider is doing: the command waiting for this rollout goes first
    if (read === null) {
      log.info({ ms: now() - started }, 'check cancelled for an operator command');
      return idle(current.record, 'cancelled');
    }
    const [toggle, measured] = read;
    const measurements: Record<string, Measurement> = measured?.measurements ?? {};
    const tickAt = now();
    const from = current;
    // what the check saw and decided commits with the record it saved (a redo recomputes it); when the
    // store fails under a rollback, the safety net keeps the last computed entries for the retried save
    let tickHistory: readonly HistoryEntry[] = [];
    const ticked = await safety.guard(
      rollout,
      from,
      log,
      () =>
        stepper.commit(
          rollout,
          from,
          (s) =>
            s.tick({
              now: tickAt,
              measurements,
              toggle,
              ...(measured && { increments: measured.increments, ledger: measured.ledger }),
            }),
          {
            log,
            specHash: 'rollout',
            history: (b, s, outcome) =>
              (tickHistory = tickEntries(rollout, specChanged, b, outcome, {
                at: tickAt,
                summary: s.summary(),
                measurements,
                results: outcome.decision?.results ?? [],
                decision: outcome.decision,
                toggle: toggle ? effectivePercent(toggle, rollout.toggle.gate) : null,
                exposure: toggle ? formatExposure(toggle) : null,
                durationMs: tickAt - started,
              })),
          },
        ),
      () => tickHistory,
    );
    if (!ticked) return idle(undefined, 'off-anyway');
    const decision = ticked.outcome.decision;
    notices.push(...ticked.outcome.notices.map((n) => n.type));
    const facts = { at: tickAt, measurements, decision, notices };
    // asked now, beside the write, recorded after it. Not when starting: an advance out of `pending` ends no stage.
    const window = { from: stageStart, to: tickAt };
    const errors =
      decision !== null && STAGE_ENDS.has(decision.action) && before.stage !== null
        ? queryTopErrors(rollout, deps.metricsFor, window, log)
        : Promise.resolve(null);

    logCheckLine(
      { rollout, ticked, decision, measurements, toggle, ms: tickAt - started },
      log,
      deps.observer,
    );
    announcer.step(rollout, ticked, log);
    let after: Position = ticked;
    const pending = ticked.session.intent();
    if (pending && !attempted.has(pending.id) && retries.due(ticked.session)) {
      const written = await safety.guard(rollout, ticked, log, () => writeIntent(rollout, ticked, log));
      if (!written) return { ...idle(undefined, 'off-anyway'), checked: true, facts };
      after = written.position;
      notices.push(...written.notices);
    }
    const top = await errors;
    if (top !== null)
      await stepper.append(rollout.name, [stageErrorsEntry(before.stage, window, top, now())]);
    return {
      rollout: rollout.name,
      checked: true,
      record: after.record,
      action: decision?.action ?? 'none',
      facts,
    };
  }

  async function applyPending(rollout: Rollout, opts: { readonly force?: boolean } = {}): Promise<boolean> {
    const log = deps.logger.child({ rollout: rollout.name });
    if (!(await safety.flush(rollout, stepper, log))) return false;
    const { position } = await open(rollout, log);
    if (!position || position.session.intent() === null) return false;
    if (opts.force !== true && !retries.due(position.session)) return false;
    await safety.guard(rollout, position, log, () => writeIntent(rollout, position, log));
    return true;
  }

  return {
    check,
    applyPending,
    cancel: (name) => inFlight.get(name)?.abort(),
    unsaved: () => safety.pending(),
    keepAbort: (rollout, record, meta, cause) =>
      keepUnsavedAbort(
        { safety, openSession: deps.openSession },
        rollout,
        record,
        meta,
        cause,
        deps.logger.child({ rollout: rollout.name }),
      ),
    close: () => unsavedRetry.close(),
  };
}
