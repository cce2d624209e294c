import type { HistoryEntry, RolloutRecord, RolloutState, StoreProblem } from '../ports/state-store.js';
import { parseCheckDetail, type CheckMeasurement, type CheckResult } from '../report/check-detail.js';

/*
 * What the API returns for a rollout: the record's summary with ISO times,
 * plus (for one rollout) the last check with its values and reasons. Built
 * from the store only, so it is the same whether or not this process runs the
 * rollout.
 */

export interface RolloutListItem {
  readonly name: string;
  /** `unknown` when the record cannot be read (see `problem`) */
  readonly state: RolloutState | 'unknown';
  readonly stage: string | null;
  readonly stageIndex: number;
  readonly percent: number;
  readonly reason: string | null;
  readonly lastCheckAt: string | null;
  readonly updatedAt: string | null;
  readonly version: number;
  /** why this rollout's record cannot be read; null when it can */
  readonly problem: { readonly code: string; readonly message: string; readonly path: string | null } | null;
}

export interface LastCheckView {
  readonly at: string;
  readonly stage: string | null;
  readonly percent: number;
  readonly decision: string | null;
  readonly reasons: readonly string[];
  /** every gate that exposed users when the check read the toggle; null when it could not read it */
  readonly exposure: string | null;
  readonly measurements: Readonly<Record<string, CheckMeasurement>>;
  readonly results: readonly {
    readonly criterion: string;
    readonly kind: 'advance' | 'rollback';
    readonly verdict: string;
    readonly value: number | null;
    readonly interval: readonly [number, number] | null;
    readonly reason: string | null;
  }[];
}

/** a stage entered or left, as the runtime wrote it (never inferred from percentages) */
export interface StageView {
  readonly at: string;
  readonly event: 'entered' | 'left';
  readonly stage: string;
  readonly percent: number;
  readonly why: string;
}

export interface RolloutDetail extends RolloutListItem {
  readonly lastCheck: LastCheckView | null;
  /** the stage entries among the history read for the last check, oldest first */
  readonly stages: readonly StageView[];
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function listItem(record: RolloutRecord): RolloutListItem {
  const s = record.summary;
  return {
    name: record.name,
    state: s.state,
    stage: s.stage,
    stageIndex: s.stageIndex,
    percent: s.percent,
    reason: s.reason,
    lastCheckAt: iso(s.lastCheck),
    updatedAt: iso(record.updatedAt),
    version: record.version,
    problem: null,
  };
}

/** A record the store cannot read: shown for that rollout alone, with the file at fault. */
export function problemItem(p: StoreProblem): RolloutListItem {
  return {
    ...pendingItem(p.name),
    state: 'unknown',
    reason: p.message,
    problem: { code: p.code, message: p.message, path: p.path },
  };
}

/** A rollout whose file is loaded but that has not run yet has no record. */
export function pendingItem(name: string): RolloutListItem {
  return {
    name,
    state: 'pending',
    stage: null,
    stageIndex: 0,
    percent: 0,
    reason: null,
    lastCheckAt: null,
    updatedAt: null,
    version: 0,
    problem: null,
  };
}

function resultView(r: CheckResult): LastCheckView['results'][number] {
  return {
    criterion: r.criterion.text,
    kind: r.kind,
    verdict: r.verdict,
    value: r.value,
    interval: r.interval,
    reason: r.reason,
  };
}

export function lastCheckView(history: readonly HistoryEntry[]): LastCheckView | null {
  for (let i = history.length - 1; i >= 0; i--) {
    const entry = history[i];
    if (entry?.type !== 'check') continue;
    const detail = parseCheckDetail(entry.detail);
    return {
      at: new Date(entry.at).toISOString(),
      stage: entry.stage,
      percent: entry.percent,
      decision: detail.decision?.action ?? null,
      reasons: detail.decision?.reasons ?? [],
      exposure: detail.exposure,
      measurements: detail.measurements,
      results: detail.results.map(resultView),
    };
  }
  return null;
}

export function stageViews(history: readonly HistoryEntry[]): StageView[] {
  return history.flatMap((e) =>
    e.type === 'stage'
      ? [{ at: new Date(e.at).toISOString(), event: e.event, stage: e.stage, percent: e.percent, why: e.why }]
      : [],
  );
}

export function detailView(item: RolloutListItem, history: readonly HistoryEntry[]): RolloutDetail {
  return { ...item, lastCheck: lastCheckView(history), stages: stageViews(history) };
}
