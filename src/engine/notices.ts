import type { MetricReading, RolloutEvent, RolloutEventType } from '../ports/notifier.js';
import type { Rollout } from '../rollout/types.js';
import type { Decision } from './decide.js';
import type { CriterionResult } from './judge.js';

/*
 * RolloutEvents (the notifier port's payload) built from the machine's view:
 * what happened, at which stage and percent, why, and the readings of the
 * check that caused it so a Slack message can show the numbers.
 */

/** One reading per metric, with every criterion that reads it. */
export function readingsOf(results: readonly CriterionResult[]): MetricReading[] {
  const byMetric = new Map<string, CriterionResult[]>();
  for (const r of results) {
    const list = byMetric.get(r.criterion.metric) ?? [];
    list.push(r);
    byMetric.set(r.criterion.metric, list);
  }
  return [...byMetric.entries()].map(([metric, rs]) => {
    // advance criteria carry the Wilson interval at policy.confidence: the one to show
    const shown = rs.find((r) => r.kind === 'advance' && r.interval) ?? rs.find((r) => r.interval) ?? rs[0];
    return {
      metric,
      value: rs.find((r) => r.value !== null)?.value ?? null,
      interval: shown?.interval ?? null,
      criteria: rs.map((r) => r.criterion.text),
      verdict: [...new Set(rs.map((r) => r.verdict))].join('/'),
    };
  });
}

export interface NoticeInput {
  readonly type: RolloutEventType;
  readonly at: number;
  readonly stage: string | null;
  readonly percent: number;
  readonly reason: string | null;
  readonly decision: Decision | null;
}

export function buildNotice(rollout: Rollout, n: NoticeInput): RolloutEvent {
  return {
    type: n.type,
    rollout: rollout.name,
    feature: rollout.toggle.feature,
    stage: n.stage,
    percent: n.percent,
    at: n.at,
    reason: n.reason,
    readings: n.decision ? readingsOf(n.decision.results) : [],
  };
}
