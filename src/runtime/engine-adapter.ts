import { judgeCriterion } from '../engine/judge.js';
import { formatEvidence } from '../engine/sequential/rollback-detector.js';
import type { Measurement } from '../ports/metrics-provider.js';
import type { RolloutRecord } from '../ports/state-store.js';
import { RolloutEngine, type StepResult } from '../engine/rollout-engine.js';
import type { OperatorEventType } from '../engine/context.js';
import type { Rollout } from '../rollout/types.js';
import type { JudgedCriterion } from './check-log.js';
import type { CheckDecision, EngineSession, OperatorCommand, StepOutcome } from './engine-session.js';

/*
 * EngineSession over the engine's RolloutEngine (src/engine/rollout-engine.ts):
 * restored from the record's snapshot (E_SNAPSHOT_INVALID when it cannot be),
 * fed one event per call. Refused operator events come back as refusals with
 * the engine's own reason.
 */

const EVENT_OF: Record<OperatorCommand, OperatorEventType> = {
  pause: 'PAUSE',
  resume: 'RESUME',
  approve: 'APPROVE',
  abort: 'ABORT',
  promote: 'PROMOTE',
  retry: 'RETRY',
};

function outcomeOf(step: StepResult): StepOutcome {
  const d = step.decision;
  const decision: CheckDecision | null = d
    ? {
        action: d.action,
        reasons: d.reasons,
        results: d.results.map((r) => ({
          text: r.criterion.text,
          metric: r.criterion.metric,
          kind: r.kind,
          verdict: r.verdict,
          value: r.value,
          interval: r.interval,
          reason: r.reason,
          ...(r.evidence && { evidence: formatEvidence(r.evidence) }),
        })),
        raw: d,
      }
    : null;
  return { transitions: step.transitions, notices: step.notices, decision };
}

export function openEngineSession(rollout: Rollout, record: RolloutRecord | undefined): EngineSession {
  const engine = RolloutEngine.create(rollout, record?.snapshot);
  return {
    rollout,
    wantsMeasurements: () => engine.wantsMeasurements(),
    stageStart: (now) => engine.stageStartedAt() ?? now,
    tick: (input) => outcomeOf(engine.send({ type: 'TICK', ...input })),
    canAccept: (cmd) => engine.canAccept(EVENT_OF[cmd]),
    command: (cmd, meta) =>
      outcomeOf(engine.send({ type: EVENT_OF[cmd], now: meta.now, by: meta.by, reason: meta.reason })),
    toggleApplied: (now, state) => {
      const intentId = engine.intent()?.id;
      return outcomeOf(
        engine.send({ type: 'TOGGLE_APPLIED', now, state, ...(intentId !== undefined && { intentId }) }),
      );
    },
    toggleFailed: (now, error) => {
      const intentId = engine.intent()?.id;
      return outcomeOf(
        engine.send({ type: 'TOGGLE_FAILED', now, error, ...(intentId !== undefined && { intentId }) }),
      );
    },
    intent: () => engine.intent(),
    retryAt: () => engine.retryAt(),
    persisted: () => engine.persisted(),
    ledger: () => engine.context().counters.increments,
    summary: () => engine.summary(),
  };
}

/** Every criterion judged on one look, as the report reads results; no streaks, no decision (post-launch check-ins). */
export function judgeLook(
  rollout: Rollout,
  measurements: Readonly<Record<string, Measurement>>,
): JudgedCriterion[] {
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
