import { formatDuration } from '../rollout/duration.js';
import { formatCount, formatTime, formatValue, inlineText } from './format.js';
import { renderSeriesMermaid } from './chart-mermaid.js';
import type { CriterionOutcome, DecisionItem, ErrorCount, ReportModel, StageReport } from './model.js';
import { stagePoints, type MetricSeries } from './metric-series.js';

/*
 * The report model → markdown in the structure of the VA.gov release plans
 * (Phase II: Staged Rollout, Stage A…, Post Launch metrics), with results
 * filled in from history instead of [FILL_IN] placeholders. Pure.
 */

function observed(c: CriterionOutcome): string {
  if (c.value === null) return c.verdict === null ? 'not measured' : c.verdict;
  const value = formatValue(c.value, c.percent);
  const interval = c.interval
    ? ` (${formatValue(c.interval[0], c.percent)}–${formatValue(c.interval[1], c.percent)})`
    : '';
  return `${value}${interval}`;
}

function criterionLines(criteria: readonly CriterionOutcome[], indent: string): string[] {
  return criteria.map((c) => {
    const box = c.met ? '[x]' : '[ ]';
    const note =
      c.kind === 'rollback'
        ? c.met
          ? ', not breached'
          : ', breached'
        : c.verdict && c.verdict !== 'pass'
          ? `, ${c.verdict}`
          : '';
    return `${indent}- ${box} ${c.text}: ${observed(c)}${note}`;
  });
}

function errorLines(errors: readonly ErrorCount[] | null, label: string): string[] {
  if (errors === null) return [`- ${label}: not measured`];
  if (errors.length === 0) return [`- ${label}: none`];
  return [
    `- ${label}:`,
    ...errors.map((e) => `  - \`${e.message.replace(/`/g, "'")}\` (${formatCount(e.count)})`),
  ];
}

function decisionLine(d: DecisionItem, tz: string): string {
  const who = d.by ? ` by ${inlineText(d.by)}` : '';
  const detail = d.detail ? `: ${inlineText(d.detail)}` : '';
  return `  - ${formatTime(d.at, tz)}: ${d.action}${who}${detail}`;
}

function plannedLength(s: StageReport): string {
  const parts = [
    s.planned?.minDuration ?? null,
    s.planned?.minSamples ? `at least ${formatCount(s.planned.minSamples)} samples` : null,
  ];
  const text = parts.filter((p) => p !== null).join(' / ');
  return text || 'no minimum';
}

function ranLine(s: StageReport, tz: string): string {
  const spans = s.periods.map((p, i) => {
    const end = p.endedAt === null ? 'now (in progress)' : formatTime(p.endedAt, tz);
    const took =
      p.endedAt === null ? '' : ` (${formatDuration(Date.parse(p.endedAt) - Date.parse(p.startedAt))})`;
    return `${i === 0 ? 'from' : 'and again from'} ${formatTime(p.startedAt, tz)} to ${end}${took}`;
  });
  return `- Ran ${spans.join(', ')}; ${s.checks} check${s.checks === 1 ? '' : 's'}`;
}

/** A Mermaid chart per metric the stage measured (`report` passes the series; golden models do not). */
function chartLines(s: StageReport, series: readonly MetricSeries[]): string[] {
  const blocks = series.map((one) => renderSeriesMermaid(stagePoints(one, s.name), s.name)).filter(Boolean);
  return blocks.length === 0 ? [] : ['', '#### Charts', '', ...blocks];
}

function stageSection(s: StageReport, m: ReportModel, series: readonly MetricSeries[]): string[] {
  const tz = m.timezone;
  const percent = s.percent === null ? 'unknown %' : `${s.percent}%`;
  const out = [`### Stage ${s.letter}: ${s.name} (${percent} of users)`, '', '#### Planning', ''];
  if (s.planned) {
    out.push(`- Length of time: ${plannedLength(s)}`);
    out.push(`- Percentage of users: ${s.planned.percent}%`);
    if (s.planned.approval) out.push('- Approval: required');
  } else {
    out.push('- Not in the rollout file (stage renamed or removed, or the file is not available)');
  }
  out.push('', '#### Results', '', `- Status: ${s.status}`);
  if (s.status === 'not reached') return [...out, ''];
  out.push(ranLine(s, tz));
  if (m.samplesMetric !== null) {
    out.push(
      `- Number of unique users: ${s.uniqueUsers === null ? 'not measured' : formatCount(s.uniqueUsers)}`,
    );
  }
  const success = s.criteria.filter((c) => c.kind === 'advance');
  const guards = s.criteria.filter((c) => c.kind === 'rollback');
  if (success.length > 0)
    out.push('- Metrics at this stage (per the success criteria):', ...criterionLines(success, '  '));
  if (guards.length > 0) out.push('- Rollback criteria:', ...criterionLines(guards, '  '));
  out.push(...errorLines(s.errors, 'Types of errors logged'));
  if (s.approvedBy.length > 0) out.push(`- Approved by: ${s.approvedBy.map(inlineText).join(', ')}`);
  if (s.decisions.length > 0) out.push('- Decisions:', ...s.decisions.map((d) => decisionLine(d, tz)));
  out.push(...chartLines(s, series));
  return [...out, ''];
}

function rollbackSection(m: ReportModel): string[] {
  if (m.rollbacks.length === 0) return [];
  const out = ['## Rollback', ''];
  for (const r of m.rollbacks) {
    out.push(
      `- Started ${formatTime(r.at, m.timezone)} at ${r.stage ?? 'no stage'} (${r.percent}%): ${r.reason === null ? 'no reason recorded' : inlineText(r.reason)}`,
    );
    out.push(`- Toggle off: ${r.toggleOffAt === null ? 'not yet' : formatTime(r.toggleOffAt, m.timezone)}`);
    if (r.failedAttempts > 0) out.push(`- Failed toggle writes before it succeeded: ${r.failedAttempts}`);
    out.push(
      `- Rolled back: ${r.rolledBackAt === null ? 'not yet' : formatTime(r.rolledBackAt, m.timezone)}`,
      '',
    );
  }
  return out;
}

function postLaunchSection(m: ReportModel): string[] {
  const out = ['## Post Launch metrics', ''];
  if (m.postLaunch.length === 0)
    return [...out, 'No post-launch check-ins planned (`postLaunch` in the rollout file).', ''];
  if (m.state === 'rolled_back') return [...out, 'Not applicable: the rollout was rolled back.', ''];
  for (const p of m.postLaunch) {
    // `1-week results`, `1-month results`; any other offset reads `10d after launch`
    out.push(`### ${p.label.endsWith('after launch') ? p.label : `${p.label} results`}`, '');
    if (p.measuredAt === null) {
      const due = p.dueAt === null ? `${p.offset} after completion` : formatTime(p.dueAt, m.timezone);
      out.push(`- Not yet measured (due ${due})`, '');
      continue;
    }
    out.push(`- Measured: ${formatTime(p.measuredAt, m.timezone)}`);
    if (m.samplesMetric !== null) {
      out.push(
        `- Number of unique users: ${p.uniqueUsers === null ? 'not measured' : formatCount(p.uniqueUsers)}`,
      );
    }
    const kpis = p.criteria.filter((c) => c.kind === 'advance');
    if (kpis.length > 0) out.push('- KPIs (per the success criteria):', ...criterionLines(kpis, '  '));
    out.push(...errorLines(p.errors, 'Types of errors logged'), '');
  }
  return out;
}

/** `series` (from `metricSeries(history)`): a chart per metric per stage; omitted, no charts. */
export function renderReportMarkdown(m: ReportModel, series: readonly MetricSeries[] = []): string {
  const tz = m.timezone;
  const range =
    m.startedAt === null
      ? 'not started'
      : `${formatTime(m.startedAt, tz)} – ${m.endedAt === null ? 'ongoing' : formatTime(m.endedAt, tz)}`;
  const out = [`# Release report: ${m.rollout}`, ''];
  if (m.description) out.push(m.description, '');
  if (m.toggle)
    out.push(`- Feature toggle: \`${m.toggle.feature}\` (${m.toggle.provider}, ${m.toggle.gate})`);
  out.push(`- State: ${m.state} at ${m.percent}%${m.reason ? ` (${inlineText(m.reason)})` : ''}`);
  // as read before the last check decided: after a rollback that is the exposure it turned off
  if (m.exposure !== null && m.state !== 'rolled_back')
    out.push(`- Exposure at the last check: ${inlineText(m.exposure)}`);
  out.push(`- Generated: ${formatTime(m.generatedAt, tz)}`, '');
  out.push('## Phase II: Staged Rollout', '', '### Rollout Planning', '', `- Date range: ${range}`);
  if (m.successCriteria.length > 0) {
    out.push('- Success criteria (all must pass to advance):', ...m.successCriteria.map((c) => `  - ${c}`));
  }
  if (m.rollbackCriteria.length > 0) {
    out.push(
      '- Rollback criteria (any breach turns the toggle off):',
      ...m.rollbackCriteria.map((c) => `  - ${c}`),
    );
  }
  if (m.samplesMetric !== null) out.push(`- Unique users counted by: \`${m.samplesMetric}\``);
  out.push('');
  for (const s of m.stages) out.push(...stageSection(s, m, series));
  out.push(...rollbackSection(m), ...postLaunchSection(m));
  out.push('## Cleanup', '', `- [ ] ${m.cleanup}`, '');
  return out.join('\n');
}
