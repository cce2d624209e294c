import type { HistoryEntry, RolloutRecord } from '../ports/state-store.js';
import { formatDuration } from '../rollout/duration.js';
import type { Rollout } from '../rollout/types.js';
import { parseCheckDetail, type CheckDetail } from './check-detail.js';
import type {
  CriterionOutcome,
  DecisionItem,
  ErrorCount,
  PostLaunchReport,
  ReportModel,
  RollbackReport,
  StageReport,
  StageStatus,
} from './model.js';
import { stageTimeline, type Period } from './stage-timeline.js';

/*
 * Record + history (+ the rollout file when available, for planned values and
 * criteria) → the report model. Pure: `now` is an input, nothing is read.
 * Without the rollout file the plan is reconstructed from history alone:
 * stages in the order they ran, criteria as the checks recorded them.
 */

const TOP_ERRORS = 5;
const DAY_MS = 86_400_000;

const iso = (ms: number): string => new Date(ms).toISOString();
const isoOrNull = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : iso(ms);

interface CheckOf {
  readonly at: number;
  readonly detail: CheckDetail;
}

interface CriterionRef {
  readonly text: string;
  readonly kind: 'advance' | 'rollback';
  readonly percent: boolean;
}

function checksOf(entries: readonly HistoryEntry[]): CheckOf[] {
  return entries.flatMap((e) =>
    e.type === 'check' ? [{ at: e.at, detail: parseCheckDetail(e.detail) }] : [],
  );
}

/** Criteria from the rollout file, else every criterion the checks recorded, in first-seen order. */
function criteriaRefs(rollout: Rollout | undefined, checks: readonly CheckOf[]): CriterionRef[] {
  if (rollout) {
    return [
      ...rollout.criteria.advance.map((c) => ({
        text: c.text,
        kind: 'advance' as const,
        percent: c.percent,
      })),
      ...rollout.criteria.rollback.map((c) => ({
        text: c.text,
        kind: 'rollback' as const,
        percent: c.percent,
      })),
    ];
  }
  const refs = new Map<string, CriterionRef>();
  for (const check of checks) {
    for (const r of check.detail.results) {
      const key = `${r.kind}:${r.criterion.text}`;
      if (!refs.has(key))
        refs.set(key, { text: r.criterion.text, kind: r.kind, percent: r.criterion.percent });
    }
  }
  return [...refs.values()].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'advance' ? -1 : 1));
}

function outcomes(refs: readonly CriterionRef[], checks: readonly CheckOf[]): CriterionOutcome[] {
  const withResults = checks.filter((c) => c.detail.results.length > 0);
  const last = withResults.at(-1);
  return refs.map((ref) => {
    const find = (check: CheckOf | undefined) =>
      check?.detail.results.find((r) => r.kind === ref.kind && r.criterion.text === ref.text);
    if (ref.kind === 'advance') {
      const r = find(last);
      return {
        ...ref,
        met: r?.verdict === 'pass',
        verdict: r?.verdict ?? null,
        value: r?.value ?? null,
        interval: r?.interval ?? null,
      };
    }
    // a guard is met when no check of the stage breached it; show the latest breach, the one the
    // rollback reason quotes
    const breach = withResults
      .map(find)
      .filter((r) => r?.verdict === 'breach')
      .at(-1);
    const shown = breach ?? find(last);
    return {
      ...ref,
      met: breach === undefined,
      verdict: shown?.verdict ?? null,
      value: shown?.value ?? null,
      interval: shown?.interval ?? null,
    };
  });
}

function lastSamples(metric: string | null, checks: readonly CheckOf[]): number | null {
  if (metric === null) return null;
  for (let i = checks.length - 1; i >= 0; i--) {
    const m = checks[i]?.detail.measurements[metric];
    if (m && (m.kind === 'value' || m.kind === 'ratio')) return m.value;
  }
  return null;
}

/** The stage's `stage-errors` entry, else (older history) the errors the stage's last check carried. */
function lastErrors(checks: readonly CheckOf[], entries: readonly HistoryEntry[] = []): ErrorCount[] | null {
  const recorded = entries.findLast((e) => e.type === 'stage-errors');
  const errors =
    recorded?.type === 'stage-errors'
      ? recorded.errors
      : checks.filter((c) => c.detail.errors !== null).at(-1)?.detail.errors;
  if (!errors) return null;
  return [...errors]
    .sort((a, b) => b.count - a.count || a.message.localeCompare(b.message))
    .slice(0, TOP_ERRORS);
}

function decisionsOf(entries: readonly HistoryEntry[]): DecisionItem[] {
  return entries.flatMap((e): DecisionItem[] => {
    switch (e.type) {
      case 'command':
        return [
          {
            at: iso(e.at),
            kind: 'command',
            action: e.accepted ? e.command : `${e.command} (refused)`,
            by: e.by,
            detail: (e.accepted ? e.reason : e.message) ?? null,
          },
        ];
      case 'check': {
        const d = parseCheckDetail(e.detail).decision;
        // holds repeat every check; the report lists what changed something
        if (!d || d.action === 'hold') return [];
        return [
          { at: iso(e.at), kind: 'check', action: d.action, by: null, detail: d.reasons.join('; ') || null },
        ];
      }
      case 'transition':
        if (e.from === e.to) return [];
        return [
          { at: iso(e.at), kind: 'transition', action: `${e.from} → ${e.to}`, by: null, detail: e.reason },
        ];
      default:
        return [];
    }
  });
}

function stageStatus(periods: readonly Period[], rolledBackHere: boolean): StageStatus {
  if (periods.length === 0) return 'not reached';
  if (rolledBackHere) return 'rolled back';
  return periods.at(-1)?.end === null ? 'in progress' : 'passed';
}

/**
 * Each rollback: from its rolling_back transition to the next one. The toggle
 * writes are the ones made from that moment on; history written before
 * entries were appended in causal order put the deciding check (and so the
 * transition) after the write, at the same time, so writes at the rollback's
 * own time count too.
 */
function rollbacksOf(history: readonly HistoryEntry[]): RollbackReport[] {
  const out: RollbackReport[] = [];
  const starts = history.flatMap((e) => (e.type === 'transition' && e.to === 'rolling_back' ? [e] : []));
  starts.forEach((e, i) => {
    const until = starts[i + 1]?.at ?? Number.POSITIVE_INFINITY;
    let toggleOffAt: number | null = null;
    let failedAttempts = 0;
    let rolledBackAt: number | null = null;
    const inWindow = (at: number): boolean => at >= e.at && (at < until || (until === e.at && at === e.at));
    for (const next of history) {
      if (!inWindow(next.at)) continue;
      if (next.type === 'toggle-result' && toggleOffAt === null) {
        if (next.ok && next.percent === 0) toggleOffAt = next.at;
        else if (!next.ok) failedAttempts++;
      }
      if (next.type === 'transition' && next.to === 'rolled_back' && rolledBackAt === null)
        rolledBackAt = next.at;
    }
    out.push({
      at: iso(e.at),
      stage: e.stage,
      percent: e.percent,
      reason: e.reason,
      toggleOffAt: isoOrNull(toggleOffAt),
      failedAttempts,
      rolledBackAt: isoOrNull(rolledBackAt),
    });
  });
  return out;
}

export function postLaunchLabel(offsetMs: number): string {
  if (offsetMs > 0 && offsetMs % (30 * DAY_MS) === 0) return `${offsetMs / (30 * DAY_MS)}-month`;
  if (offsetMs > 0 && offsetMs % (7 * DAY_MS) === 0) return `${offsetMs / (7 * DAY_MS)}-week`;
  return `${formatDuration(offsetMs)} after launch`;
}

function postLaunchOf(
  offsets: readonly number[],
  checks: readonly (CheckOf & { offsetMs: number })[],
  completedAt: number | null,
  refs: readonly CriterionRef[],
  samples: string | null,
): PostLaunchReport[] {
  return offsets.map((offsetMs) => {
    const mine = checks.filter((c) => c.offsetMs === offsetMs);
    const measured = mine.at(-1);
    return {
      label: postLaunchLabel(offsetMs),
      offset: formatDuration(offsetMs),
      dueAt: completedAt === null ? null : iso(completedAt + offsetMs),
      measuredAt: measured ? iso(measured.at) : null,
      uniqueUsers: lastSamples(samples, mine),
      criteria: measured ? outcomes(refs, mine) : [],
      errors: lastErrors(mine),
    };
  });
}

function cleanupText(rollout: Rollout | undefined, record: RolloutRecord): string {
  const feature = rollout
    ? `\`${rollout.toggle.feature}\` (${rollout.toggle.provider})`
    : `of ${record.name}`;
  const file = rollout?.source ? `\`${rollout.source}\`` : 'the rollout file';
  switch (record.summary.state) {
    case 'completed':
      return `Remove the feature toggle ${feature} and the code paths behind it, then delete ${file}.`;
    case 'rolled_back':
      return `The toggle ${feature} is off. Fix and \`retry\`, or remove the toggle, its code and ${file}.`;
    default:
      return `When the rollout completes, remove the feature toggle ${feature} and the code paths behind it, then delete ${file}.`;
  }
}

/** Which stage a toggle percent means: the rollout file's plan, else what the checks recorded. */
function stagesByPercent(
  history: readonly HistoryEntry[],
  rollout: Rollout | undefined,
): Map<number, string> {
  const map = new Map((rollout?.stages ?? []).map((s) => [s.percent, s.name]));
  for (const e of history) {
    if (e.type === 'check' && e.stage !== null && e.percent > 0 && !map.has(e.percent))
      map.set(e.percent, e.stage);
  }
  return map;
}

export function buildReportModel(
  record: RolloutRecord,
  history: readonly HistoryEntry[],
  rollout?: Rollout,
  now: number = Date.now(),
): ReportModel {
  const stageByPercent = stagesByPercent(history, rollout);
  const timeline = stageTimeline(history, stageByPercent);
  const allChecks = checksOf(history);
  const refs = criteriaRefs(rollout, allChecks);
  const samples = rollout?.samples ?? null;
  const rollbacks = rollbacksOf(history);

  const planned = rollout?.stages ?? [];
  const names = [
    ...planned.map((s) => s.name),
    ...timeline.seen.filter((n) => !planned.some((s) => s.name === n)),
  ];

  const stages = names.map((name, i): StageReport => {
    const plan = planned.find((s) => s.name === name);
    const entries = timeline.entries.get(name) ?? [];
    const checks = checksOf(entries).filter((c) => c.detail.postLaunch === null);
    const periods = timeline.periods.get(name) ?? [];
    const observedPercent = entries.find((e) => e.type === 'check')?.percent ?? null;
    return {
      letter: String.fromCharCode(65 + (i % 26)),
      name,
      planned: plan
        ? {
            percent: plan.percent,
            minDuration: plan.minDurationMs > 0 ? formatDuration(plan.minDurationMs) : null,
            minSamples: plan.minSamples ?? null,
            approval: plan.approval,
          }
        : null,
      percent: plan?.percent ?? (observedPercent === null ? null : observedPercent),
      status: stageStatus(
        periods,
        rollbacks.some((r) => r.stage === name),
      ),
      periods: periods.map((p) => ({ startedAt: iso(p.start), endedAt: isoOrNull(p.end) })),
      checks: checks.length,
      uniqueUsers: lastSamples(samples, checks),
      criteria: checks.length > 0 ? outcomes(refs, checks) : [],
      errors: lastErrors(checks, entries),
      decisions: decisionsOf(entries),
      approvedBy: entries.flatMap((e) =>
        e.type === 'command' && e.command === 'approve' && e.accepted ? [e.by] : [],
      ),
    };
  });

  const completedAt = history.findLast((e) => e.type === 'transition' && e.to === 'completed')?.at ?? null;
  const rolledBackAt = history.findLast((e) => e.type === 'transition' && e.to === 'rolled_back')?.at ?? null;
  const firstStart = stages.flatMap((s) => s.periods.map((p) => p.startedAt)).sort()[0] ?? null;
  const postChecks = allChecks.flatMap((c) =>
    c.detail.postLaunch === null ? [] : [{ ...c, offsetMs: c.detail.postLaunch.offsetMs }],
  );
  const offsets =
    rollout?.postLaunchMs ?? [...new Set(postChecks.map((c) => c.offsetMs))].sort((a, b) => a - b);

  return {
    rollout: record.name,
    description: rollout?.description ?? null,
    toggle: rollout
      ? { provider: rollout.toggle.provider, feature: rollout.toggle.feature, gate: rollout.toggle.gate }
      : null,
    timezone: rollout?.check.timezone ?? 'UTC',
    generatedAt: iso(now),
    state: record.summary.state,
    percent: record.summary.percent,
    reason: record.summary.reason,
    exposure: allChecks.findLast((c) => c.detail.exposure !== null)?.detail.exposure ?? null,
    startedAt: firstStart,
    endedAt:
      record.summary.state === 'completed'
        ? isoOrNull(completedAt)
        : record.summary.state === 'rolled_back'
          ? isoOrNull(rolledBackAt)
          : null,
    successCriteria: refs.filter((r) => r.kind === 'advance').map((r) => r.text),
    rollbackCriteria: refs.filter((r) => r.kind === 'rollback').map((r) => r.text),
    samplesMetric: samples,
    stages,
    rollbacks,
    postLaunch: postLaunchOf(
      offsets,
      postChecks,
      record.summary.state === 'completed' ? completedAt : null,
      refs,
      samples,
    ),
    cleanup: cleanupText(rollout, record),
  };
}
