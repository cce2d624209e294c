import type { HistoryEntry, RolloutRecord } from '../ports/state-store.js';
import { formatDuration } from '../rollout/duration.js';
import type { Rollout } from '../rollout/types.js';
import { checksOf, criteriaRefs, lastErrors, lastSamples, outcomes } from './criteria-outcomes.js';
import { decisionsOf } from './decisions.js';
import { iso, isoOrNull } from './iso-time.js';
import type { ReportModel, StageReport, StageStatus } from './model.js';
import { postLaunchOf } from './post-launch.js';
import { rollbacksOf } from './rollbacks.js';
import { stageTimeline, type Period } from './stage-timeline.js';

/*
 * Record + history (+ the rollout file when available, for planned values and
 * criteria) → the report model. Pure: `now` is an input, nothing is read.
 * Without the rollout file the plan is reconstructed from history alone:
 * stages in the order they ran, criteria as the checks recorded them.
 */

function stageStatus(periods: readonly Period[], rolledBackHere: boolean): StageStatus {
  if (periods.length === 0) return 'not reached';
  if (rolledBackHere) return 'rolled back';
  return periods.at(-1)?.end === null ? 'in progress' : 'passed';
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
