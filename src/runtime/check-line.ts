import type { Logger } from '../log.js';
import type { Measurement } from '../ports/metrics-provider.js';
import type { ControllerObserver } from '../ports/observer.js';
import { formatExposure } from '../ports/toggle-exposure.js';
import type { ToggleState } from '../ports/toggle-provider.js';
import type { Rollout } from '../rollout/types.js';
import { checkLevel, metricFields } from './check-log.js';
import type { CheckDecision } from './engine-session.js';
import type { Step } from './step.js';

/*
 * Writes what one check saw and decided: the `check` log line (check-log.ts
 * gives its shape and level), a warn line per provider error and for a stage
 * held too long, and the observer's count (Prometheus).
 */

export interface CheckLineInput {
  readonly rollout: Rollout;
  readonly ticked: Step;
  readonly decision: CheckDecision | null;
  readonly measurements: Readonly<Record<string, Measurement>>;
  /** the toggle as read before the check; null when it could not be read */
  readonly toggle: ToggleState | null;
  readonly ms: number;
}

export function logCheckLine(input: CheckLineInput, log: Logger, observer?: ControllerObserver): void {
  const { rollout, ticked, decision, measurements } = input;
  const summary = ticked.session.summary();
  const heldTooLong = ticked.outcome.notices.some((n) => n.type === 'held_too_long');
  const action = decision?.action ?? 'none';
  const line = {
    stage: summary.stage,
    percent: summary.percent,
    state: summary.state,
    decision: action,
    reason: decision?.reasons.join('; ') || summary.reason,
    metrics: metricFields(measurements, decision?.results ?? []),
    // every gate that exposes users, not only the ramp gate: a hand-set percentage_of_time shows here
    exposure: input.toggle ? formatExposure(input.toggle) : null,
    ms: input.ms,
  };
  log[checkLevel(action, measurements, heldTooLong)](line, 'check');
  for (const [metric, m] of Object.entries(measurements)) {
    if (m.kind === 'error') log.warn({ metric, code: m.code, error: m.message }, 'metrics provider error');
  }
  if (heldTooLong) log.warn({ stage: summary.stage, reason: summary.reason }, 'stage held too long');
  observer?.recordCheck({
    rollout: rollout.name,
    decision: action,
    measurements,
    criteria: rollout.criteria,
  });
}
