import { describeSeries, escapeHtml, renderSeriesSvg } from './chart-svg.js';
import type { CheckResult } from './check-detail.js';
import { formatCount, formatTime, formatValue } from './format.js';
import type { ReportModel, StageReport } from './model.js';
import type { Marker, MetricSeries } from './metric-series.js';

/*
 * HTML pieces of a rollout: the stage timeline (planned against actual), a
 * chart per metric with its thresholds and the evidence of the last check,
 * and the decision log. `report --format html` wraps them in a standalone
 * document; the status page (src/server) embeds the same pieces, so the
 * go/no-go review and on-call look at the same charts. Every text from the
 * history or an operator goes through escapeHtml.
 */

const e = escapeHtml;

function plannedText(s: StageReport): string {
  if (!s.planned) return 'not in the rollout file';
  const parts = [`${s.planned.percent}%`];
  if (s.planned.minDuration) parts.push(`at least ${s.planned.minDuration}`);
  if (s.planned.minSamples) parts.push(`${formatCount(s.planned.minSamples)} samples`);
  if (s.planned.approval) parts.push('approval required');
  return parts.join(', ');
}

function actualText(s: StageReport, tz: string): string {
  if (s.periods.length === 0) return 'not reached';
  const spans = s.periods.map(
    (p) => `${formatTime(p.startedAt, tz)} – ${p.endedAt === null ? 'now' : formatTime(p.endedAt, tz)}`,
  );
  return `${spans.join('; ')} (${s.checks} check${s.checks === 1 ? '' : 's'})`;
}

export function stageTimelineHtml(m: ReportModel): string {
  const rows = m.stages.map(
    (s) =>
      `<tr class="stage stage-${e(s.status.replace(' ', '-'))}"><th scope="row">${e(`${s.letter}: ${s.name}`)}</th><td>${e(plannedText(s))}</td><td>${e(actualText(s, m.timezone))}</td><td>${e(s.status)}</td></tr>`,
  );
  return `<table class="timeline"><caption>Stages: planned and actual</caption><thead><tr><th scope="col">Stage</th><th scope="col">Planned</th><th scope="col">Actual</th><th scope="col">Status</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function evidenceHtml(metric: string, results: readonly CheckResult[], percent: boolean): string {
  const mine = results.filter((r) => r.criterion.metric === metric);
  if (mine.length === 0) return '';
  const items = mine.map((r) => {
    const value = r.value === null ? '' : ` — ${formatValue(r.value, percent)}`;
    const why = r.reason ? `: ${r.reason}` : '';
    return `<li><span class="verdict verdict-${e(r.verdict)}">${e(r.verdict)}</span> ${e(`${r.kind} ${r.criterion.text}${value}${why}`)}</li>`;
  });
  return `<ul class="evidence" aria-label="${e(`${metric}: last check's verdicts`)}">${items.join('')}</ul>`;
}

/** A figure per metric; `lastResults`: the last check's verdicts, shown as the evidence under it. */
export function chartsHtml(
  series: readonly MetricSeries[],
  markers: readonly Marker[],
  lastResults: readonly CheckResult[] = [],
): string {
  if (series.length === 0) return '<p class="empty">No metric measured yet.</p>';
  return series
    .map((s, i) => {
      const id = `chart-${i}`;
      return `<figure class="metric" id="metric-${e(s.metric)}"><figcaption><h3>${e(s.metric)}</h3><p>${e(describeSeries(s))}</p></figcaption>${renderSeriesSvg(s, markers, id)}${evidenceHtml(s.metric, lastResults, s.percent)}</figure>`;
    })
    .join('');
}

export const CHART_LEGEND =
  '<p class="legend">Blue line: value at each check; shaded band: the interval a ratio was judged on; dashed red: rollback threshold; dashed green: advance threshold; dotted vertical lines: decisions (grey), operator commands (dark red), toggle writes (green).</p>';

export function decisionLogHtml(m: ReportModel, limit = 200): string {
  const items = m.stages
    .flatMap((s) => s.decisions.map((d) => ({ ...d, stage: s.name })))
    .sort((a, b) => b.at.localeCompare(a.at))
    .slice(0, limit);
  if (items.length === 0) return '<p class="empty">No decisions yet.</p>';
  const rows = items.map(
    (d) =>
      `<tr><td><time datetime="${e(d.at)}">${e(formatTime(d.at, m.timezone))}</time></td><td>${e(d.stage)}</td><td>${e(d.kind)}</td><td>${e(d.action)}</td><td>${e(d.by ?? '')}</td><td>${e(d.detail ?? '')}</td></tr>`,
  );
  return `<table class="decisions"><caption>Decision log (newest first)</caption><thead><tr><th scope="col">When</th><th scope="col">Stage</th><th scope="col">Kind</th><th scope="col">What</th><th scope="col">By</th><th scope="col">Detail</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const REPORT_STYLE = `body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#1b1b1b;padding:0 1rem}
table{border-collapse:collapse;width:100%;margin:1rem 0}th,td{border:1px solid #a9aeb1;padding:.3rem .5rem;text-align:left;vertical-align:top}
caption{text-align:left;font-weight:bold;padding:.3rem 0}figure{margin:1.5rem 0}svg.chart{width:100%;height:auto}
.verdict{font-weight:bold}.legend{font-size:.9rem}`;

/** `report --format html`: a standalone document (inline style; no script). */
export function renderReportHtml(
  m: ReportModel,
  series: readonly MetricSeries[],
  markers: readonly Marker[],
): string {
  const state = `${m.state} at ${m.percent}%${m.reason ? ` (${m.reason})` : ''}`;
  const criteria = [
    ...m.successCriteria.map((c) => `<li>advance: ${e(c)}</li>`),
    ...m.rollbackCriteria.map((c) => `<li>rollback: ${e(c)}</li>`),
  ].join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(`Release report: ${m.rollout}`)}</title><style>${REPORT_STYLE}</style></head>
<body><main><h1>${e(`Release report: ${m.rollout}`)}</h1>
${m.description ? `<p>${e(m.description)}</p>` : ''}
<ul><li>State: ${e(state)}</li>${m.toggle ? `<li>Feature toggle: <code>${e(m.toggle.feature)}</code> (${e(`${m.toggle.provider}, ${m.toggle.gate}`)})</li>` : ''}<li>Generated: ${e(formatTime(m.generatedAt, m.timezone))}</li></ul>
${criteria ? `<h2>Criteria</h2><ul>${criteria}</ul>` : ''}
<h2>Stages</h2>${stageTimelineHtml(m)}
<h2>Metrics</h2>${CHART_LEGEND}${chartsHtml(series, markers)}
<h2>Decisions</h2>${decisionLogHtml(m, 10_000)}
</main></body></html>
`;
}
