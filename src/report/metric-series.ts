import type { HistoryEntry } from '../ports/state-store.js';
import { parseCriterion } from '../rollout/criteria.js';
import type { ComparisonOp } from '../rollout/types.js';
import { parseCheckDetail } from './check-detail.js';

/*
 * Each metric's values over time, as the checks recorded them, with the
 * thresholds its criteria compare against and the events that explain the
 * curve (decisions that changed something, operator commands, toggle
 * writes). Pure: the status page, the HTML report and the Mermaid charts all
 * draw from this one model, so they show the same thing.
 */

export interface SeriesPoint {
  readonly at: number;
  readonly value: number;
  /** the interval a ratio was judged on (fractions); null for values */
  readonly low: number | null;
  readonly high: number | null;
  readonly stage: string | null;
}

export interface Threshold {
  readonly criterion: string;
  readonly kind: 'advance' | 'rollback';
  readonly op: ComparisonOp;
  /** fractions for percent criteria */
  readonly value: number;
}

export type MarkerKind = 'decision' | 'command' | 'toggle';

export interface Marker {
  readonly at: number;
  readonly kind: MarkerKind;
  readonly label: string;
}

export interface MetricSeries {
  readonly metric: string;
  /** show values as percentages (a ratio, or a criterion written with %) */
  readonly percent: boolean;
  readonly points: readonly SeriesPoint[];
  readonly thresholds: readonly Threshold[];
}

/** Decisions that change nothing (hold) are left out: they would cover the chart. */
const QUIET_DECISIONS = new Set(['hold', 'none']);

export function metricSeries(history: readonly HistoryEntry[]): MetricSeries[] {
  const byMetric = new Map<
    string,
    { percent: boolean; points: SeriesPoint[]; thresholds: Map<string, Threshold> }
  >();
  const entry = (metric: string) => {
    let found = byMetric.get(metric);
    if (!found) {
      found = { percent: false, points: [], thresholds: new Map() };
      byMetric.set(metric, found);
    }
    return found;
  };
  for (const e of history) {
    if (e.type !== 'check') continue;
    const detail = parseCheckDetail(e.detail);
    if (detail.postLaunch) continue;
    for (const [metric, m] of Object.entries(detail.measurements)) {
      if (m.kind !== 'value' && m.kind !== 'ratio') continue;
      const series = entry(metric);
      if (m.kind === 'ratio') series.percent = true;
      const judged = detail.results.find((r) => r.criterion.metric === metric && r.interval !== null);
      series.points.push({
        at: e.at,
        value: m.value,
        low: judged?.interval?.[0] ?? null,
        high: judged?.interval?.[1] ?? null,
        stage: e.stage,
      });
    }
    for (const r of detail.results) {
      const series = entry(r.criterion.metric);
      if (r.criterion.percent) series.percent = true;
      const key = `${r.kind}:${r.criterion.text}`;
      if (series.thresholds.has(key)) continue;
      const threshold = thresholdOf(r.criterion.text, r.kind);
      if (threshold) series.thresholds.set(key, threshold);
    }
  }
  return [...byMetric.entries()]
    .map(([metric, s]) => ({
      metric,
      percent: s.percent,
      points: s.points,
      thresholds: [...s.thresholds.values()],
    }))
    .filter((s) => s.points.length > 0 || s.thresholds.length > 0);
}

function thresholdOf(text: string, kind: 'advance' | 'rollback'): Threshold | undefined {
  try {
    const c = parseCriterion(text);
    return { criterion: text, kind, op: c.op, value: c.threshold };
  } catch {
    // a criterion an older version wrote differently: its values still chart, without the line
    return undefined;
  }
}

/** What happened, for the markers on every chart of the rollout. */
export function historyMarkers(history: readonly HistoryEntry[]): Marker[] {
  const out: Marker[] = [];
  for (const e of history) {
    if (e.type === 'check') {
      const action = parseCheckDetail(e.detail).decision?.action;
      if (action && !QUIET_DECISIONS.has(action)) out.push({ at: e.at, kind: 'decision', label: action });
    } else if (e.type === 'command') {
      out.push({
        at: e.at,
        kind: 'command',
        label: `${e.command} by ${e.by}${e.accepted ? '' : ' (refused)'}`,
      });
    } else if (e.type === 'toggle-result') {
      out.push({
        at: e.at,
        kind: 'toggle',
        label: e.ok ? `toggle ${e.percent ?? '?'}%` : 'toggle write failed',
      });
    }
  }
  return out;
}

/** The points of one stage (by name), for per-stage charts. */
export function stagePoints(series: MetricSeries, stage: string): MetricSeries {
  return { ...series, points: series.points.filter((p) => p.stage === stage) };
}
