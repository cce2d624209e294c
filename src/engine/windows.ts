import type { MetricRequest, TimeWindow } from '../ports/metrics-provider.js';
import type { MetricSpec, Rollout } from '../spec/types.js';

/*
 * Which window each metric is queried over on a check. `window: stage` counts
 * since the current stage was applied (the toggle write took effect), so a
 * stage's numbers never mix with the previous percent; a duration is the
 * trailing [now - d, now).
 */

export function metricWindow(spec: MetricSpec, now: number, stageStartedAt: number | null): TimeWindow {
  if (spec.window.kind === 'duration') return { from: now - spec.window.ms, to: now };
  // before any stage is applied there is nothing to count: an empty window
  const from = stageStartedAt ?? now;
  return { from: Math.min(from, now), to: now };
}

/** One request per metric of the rollout, keyed by metric name, in declaration order. */
export function checkRequests(rollout: Rollout, now: number, stageStartedAt: number | null): MetricRequest[] {
  return Object.values(rollout.metrics).map((spec) => ({
    id: spec.name,
    query: spec.query,
    window: metricWindow(spec, now, stageStartedAt),
  }));
}

/** The metrics a decision reads: every criterion's metric and the samples metric. */
export function neededMetrics(rollout: Rollout, withSamples: boolean): string[] {
  const names = new Set<string>();
  for (const c of rollout.criteria.rollback) names.add(c.metric);
  for (const c of rollout.criteria.advance) names.add(c.metric);
  if (withSamples && rollout.samples !== undefined) names.add(rollout.samples);
  return [...names];
}
