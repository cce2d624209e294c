import type { Measurement } from '../ports/metrics-provider.js';
import {
  historyEntry,
  type CheckEntry,
  type CheckResult,
  type ErrorCount,
  type HistoryEntry,
  type StageEntry,
} from '../ports/history.js';
import type { RolloutSummary } from '../ports/state-store.js';
import { effectivePercent, type ToggleState } from '../ports/toggle-provider.js';
import type { Rollout } from '../rollout/types.js';
import { scrubDeep } from '../secrets/scrubber.js';
import type { JudgedCriterion } from './check-log.js';
import type { StepOutcome } from './engine-session.js';

/*
 * The history entries of one step, built in one place so the runner, the
 * operator commands and `simulate` write the same ones. Stage entries are
 * explicit: a stage is "active" while the rollout runs (or is paused) with the
 * toggle at a stage's percent; a step that changes which stage is active
 * leaves the old one and enters the new one, with why. So a stage is entered
 * when the toggle write that gives users its share lands, and left when the
 * next one lands or when the rollout rolls back or completes.
 */

const ACTIVE_STATES: ReadonlySet<RolloutSummary['state']> = new Set([
  'running',
  'awaiting_approval',
  'paused',
]);

function activeStage(s: RolloutSummary): { stage: string; percent: number } | null {
  return ACTIVE_STATES.has(s.state) && s.stage !== null && s.percent > 0
    ? { stage: s.stage, percent: s.percent }
    : null;
}

/** Every transition, running → running included (the machine states say what moved). */
export function transitionEntries(outcome: StepOutcome, at: number): HistoryEntry[] {
  return outcome.transitions.map((t) =>
    historyEntry({
      type: 'transition',
      at,
      from: t.from,
      to: t.to,
      stage: t.stage,
      percent: t.percent,
      reason: t.reason,
      ...(t.fromState !== undefined &&
        t.toState !== undefined && { machine: { from: t.fromState, to: t.toState } }),
    }),
  );
}

export function stageEntries(
  before: RolloutSummary,
  after: RolloutSummary,
  outcome: StepOutcome,
  at: number,
): StageEntry[] {
  const a = activeStage(before);
  const b = activeStage(after);
  if (a?.stage === b?.stage && a?.percent === b?.percent) return [];
  const out: StageEntry[] = [];
  if (a) {
    const why =
      b !== null
        ? `toggle set to ${b.percent}% for ${b.stage}`
        : after.state === 'completed'
          ? 'completed'
          : (outcome.transitions[0]?.reason ?? after.reason ?? after.state);
    out.push(historyEntry({ type: 'stage', at, event: 'left', stage: a.stage, percent: a.percent, why }));
  }
  if (b) {
    const why = `toggle set to ${b.percent}%`;
    out.push(historyEntry({ type: 'stage', at, event: 'entered', stage: b.stage, percent: b.percent, why }));
  }
  return out;
}

/** The transitions and stage moves of one committed step, in that order. */
export function stepEntries(
  before: RolloutSummary,
  after: RolloutSummary,
  outcome: StepOutcome,
  at: number,
): HistoryEntry[] {
  return scrubDeep([...transitionEntries(outcome, at), ...stageEntries(before, after, outcome, at)]);
}

export function checkResults(rollout: Rollout, results: readonly JudgedCriterion[]): CheckResult[] {
  const percentOf = new Map(
    [...rollout.criteria.advance, ...rollout.criteria.rollback].map((c) => [c.text, c.percent]),
  );
  return results.map((r) => ({
    criterion: { text: r.text, metric: r.metric, percent: percentOf.get(r.text) ?? r.text.includes('%') },
    kind: r.kind,
    verdict: r.verdict,
    value: r.value,
    interval: r.interval,
    reason: r.reason,
  }));
}

export interface CheckFacts {
  readonly at: number;
  readonly summary: RolloutSummary;
  readonly measurements: Readonly<Record<string, Measurement>>;
  readonly results: readonly JudgedCriterion[];
  readonly decision: { readonly action: string; readonly reasons: readonly string[] } | null;
  readonly toggle: number | null;
  readonly exposure: string | null;
  readonly durationMs: number;
  readonly postLaunch?: { readonly offsetMs: number };
  /** post-launch check-ins: the errors query asked with the check */
  readonly errors?: readonly ErrorCount[] | null;
}

// Every entry that quotes a provider (measurement errors, reasons, error messages) is scrubbed as it is built:
// history is served by an unauthenticated endpoint and ends up in release reports (issue 11, secrets).
export function checkEntry(rollout: Rollout, f: CheckFacts): CheckEntry {
  return scrubDeep(
    historyEntry({
      type: 'check',
      at: f.at,
      stage: f.summary.stage,
      percent: f.summary.percent,
      detail: {
        state: f.summary.state,
        measurements: f.measurements,
        results: checkResults(rollout, f.results),
        decision: f.decision ? { action: f.decision.action, reasons: f.decision.reasons } : null,
        toggle: f.toggle,
        exposure: f.exposure,
        durationMs: f.durationMs,
        errors: f.errors ?? null,
        postLaunch: f.postLaunch ?? null,
      },
    }),
  );
}

export function stageErrorsEntry(
  stage: string | null,
  window: { readonly from: number; readonly to: number },
  errors: readonly ErrorCount[],
  at: number,
): HistoryEntry {
  return scrubDeep(
    historyEntry({ type: 'stage-errors', at, stage, from: window.from, to: window.to, errors }),
  );
}

/**
 * What one check saw and caused, in causal order: `spec` (when the spec changed), `check`, then the tick's
 * transitions and stage moves. The runner commits them with the record the tick saved (issue 14).
 */
export function tickEntries(
  rollout: Rollout,
  specChanged: boolean,
  before: RolloutSummary,
  outcome: StepOutcome,
  facts: CheckFacts,
): HistoryEntry[] {
  const spec = historyEntry({
    type: 'spec',
    at: facts.at,
    specHash: rollout.specHash,
    source: rollout.source ?? null,
  });
  return [
    ...(specChanged ? [spec] : []),
    checkEntry(rollout, facts),
    ...stepEntries(before, facts.summary, outcome, facts.at),
  ];
}

/** the `toggle-result` entry of a write: what it answered (`state`), or why it failed */
export function toggleResultEntry(
  rollout: Rollout,
  intentId: string,
  at: number,
  state: ToggleState | null,
  error: string | null,
): HistoryEntry {
  return historyEntry({
    type: 'toggle-result',
    at,
    intentId,
    ok: state !== null,
    percent: state ? effectivePercent(state, rollout.toggle.gate) : null,
    error,
  });
}
