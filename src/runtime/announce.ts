import type { Logger } from '../log.js';
import type { RolloutEvent } from '../ports/notifier.js';
import type { ControllerObserver } from '../ports/observer.js';
import type { Rollout } from '../rollout/types.js';
import { metricReadings } from './check-log.js';
import type { StepOutcome } from './engine-session.js';
import { rollbackFailedNotice, type Step, type WriteReport } from './step.js';

/*
 * What a committed step tells people: a log line per state change (error for
 * rollbacks) and the notices, with `held_too_long` sent once per stage and
 * reason rather than on every check. The logs of a toggle write, and the
 * critical alert of a failed rollback, on every failure.
 */

export interface Announcer {
  step(rollout: Rollout, step: Step, log: Logger): void;
  write(rollout: Rollout, report: WriteReport, log: Logger): void;
}

export function createAnnouncer(deps: {
  readonly notify: (names: readonly string[], event: RolloutEvent) => void;
  readonly observer?: ControllerObserver;
}): Announcer {
  const heldNotified = new Map<string, string>();
  const missingNotified = new Map<string, string>();

  function announce(rollout: Rollout, step: Step, outcome: StepOutcome, log: Logger): void {
    const summary = step.session.summary();
    for (const t of outcome.transitions) {
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
    const raw = outcome.decision?.raw;
    const missing = raw?.gates.find((g) => g.gate === 'feature' && !g.open);
    if (raw && missing) {
      log.warn(
        { feature: rollout.toggle.feature, reason: missing.detail },
        'feature missing, nothing written',
      );
      // once per rollout and reason, like held_too_long: the check repeats it every interval
      if (missingNotified.get(rollout.name) !== missing.detail) {
        missingNotified.set(rollout.name, missing.detail);
        deps.notify(rollout.notify, {
          type: 'feature_missing',
          rollout: rollout.name,
          feature: rollout.toggle.feature,
          stage: null,
          percent: 0,
          at: raw.at,
          reason: missing.detail,
          readings: [],
        });
      }
    } else if (outcome.decision) missingNotified.delete(rollout.name);
    for (const event of outcome.notices) {
      if (event.type === 'held_too_long') {
        const key = `${summary.stage}:${event.reason}`;
        if (heldNotified.get(rollout.name) === key) continue;
        heldNotified.set(rollout.name, key);
      }
      deps.notify(rollout.notify, event);
    }
  }

  return {
    step: (rollout, step, log) => announce(rollout, step, step.outcome, log),
    write(rollout, report, log) {
      const { intent, step } = report;
      const fields = {
        feature: rollout.toggle.feature,
        action: intent.action,
        percent: intent.percent,
        intent: intent.id,
        ms: report.ms,
      };
      let outcome = step.outcome;
      if (report.failure === null) {
        log.info(fields, 'toggle written');
      } else if (intent.action === 'disable') {
        // the one thing that must eventually happen: critical on every failure, retried with backoff
        log.fatal(
          { ...fields, error: report.failure, retryAt: step.session.retryAt() },
          'rollback failed: toggle still on, retrying',
        );
        const notice = rollbackFailedNotice(rollout, report, metricReadings(outcome.decision?.results ?? []));
        if (notice) outcome = { ...outcome, notices: [...outcome.notices, notice] };
      } else {
        log.error(
          { ...fields, error: report.failure, retryAt: step.session.retryAt() },
          'toggle write failed, will retry',
        );
      }
      announce(rollout, step, outcome, log);
    },
  };
}
