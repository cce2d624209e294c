import { formatValue } from './format.js';
import type { Marker, MetricSeries } from './metric-series.js';

/*
 * One metric as an inline SVG: its values over time, the interval band a
 * ratio was judged on, a line per threshold and a mark per decision, command
 * and toggle write. Server-rendered, so the page needs no chart library and
 * no inline script or style (the CSP forbids both); the HTML report embeds
 * the same markup. Accessible: role="img" with a title and a description
 * that says in words what the chart shows.
 */

const W = 640;
const H = 220;
const PAD = { left: 64, right: 120, top: 14, bottom: 30 };

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 19);
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const n = (v: number): string => (Math.round(v * 10) / 10).toString();

/** The words the chart stands for (its `<desc>`, and the text next to it). */
export function describeSeries(series: MetricSeries): string {
  const last = series.points.at(-1);
  const parts = [
    last
      ? `${series.points.length} checks; last ${formatValue(last.value, series.percent)} at ${day(last.at)} ${clock(last.at)} UTC`
      : 'no values measured yet',
  ];
  if (last?.low !== null && last?.high !== null && last)
    parts.push(
      `interval ${formatValue(last.low as number, series.percent)}–${formatValue(last.high as number, series.percent)}`,
    );
  for (const t of series.thresholds)
    parts.push(`${t.kind} threshold ${t.op} ${formatValue(t.value, series.percent)}`);
  return `${parts.join('; ')}.`;
}

export function renderSeriesSvg(series: MetricSeries, markers: readonly Marker[], id: string): string {
  const pts = series.points;
  const times = pts.map((p) => p.at);
  const t0 = times.length > 0 ? Math.min(...times) : 0;
  const t1 = times.length > 0 ? Math.max(...times) : 1;
  const span = t1 - t0 || 1;
  const values = [
    ...pts.flatMap((p) => [p.value, p.low ?? p.value, p.high ?? p.value]),
    ...series.thresholds.map((t) => t.value),
  ];
  const vMin = Math.min(0, ...values);
  const vMaxRaw = Math.max(...values, vMin + (series.percent ? 0.01 : 1));
  const vMax = vMaxRaw + (vMaxRaw - vMin) * 0.1;
  const x = (t: number): number => PAD.left + ((t - t0) / span) * (W - PAD.left - PAD.right);
  const y = (v: number): number => PAD.top + (1 - (v - vMin) / (vMax - vMin)) * (H - PAD.top - PAD.bottom);
  const fmt = (v: number) => escapeHtml(formatValue(v, series.percent));

  const out: string[] = [];
  const title = `${escapeHtml(series.metric)} over time`;
  out.push(
    `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="${id}-t ${id}-d" data-metric="${escapeHtml(series.metric)}" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${id}-t">${title}</title><desc id="${id}-d">${escapeHtml(describeSeries(series))}</desc>`,
    `<rect x="${PAD.left}" y="${PAD.top}" width="${W - PAD.left - PAD.right}" height="${H - PAD.top - PAD.bottom}" fill="#ffffff" stroke="#6b6b6b"/>`,
  );
  for (const v of [vMin, (vMin + vMax) / 2, vMax]) {
    out.push(
      `<text x="${PAD.left - 6}" y="${n(y(v) + 4)}" text-anchor="end" font-size="11" fill="#1b1b1b">${fmt(v)}</text>`,
    );
  }
  if (pts.length > 0) {
    // a rollout spans days: the ends of the axis carry the date when they are not the same day
    const sameDay = day(t0) === day(t1);
    const start = sameDay ? `${clock(t0)} UTC` : `${day(t0)} ${clock(t0).slice(0, 5)} UTC`;
    const end = sameDay ? clock(t1) : `${day(t1)} ${clock(t1).slice(0, 5)}`;
    out.push(
      `<text x="${PAD.left}" y="${H - 8}" font-size="11" fill="#1b1b1b">${start}</text>`,
      `<text x="${W - PAD.right}" y="${H - 8}" text-anchor="end" font-size="11" fill="#1b1b1b">${end}</text>`,
    );
  }
  const banded = pts.filter((p) => p.low !== null && p.high !== null);
  if (banded.length > 1) {
    const upper = banded.map((p) => `${n(x(p.at))},${n(y(p.high as number))}`);
    const lower = banded.map((p) => `${n(x(p.at))},${n(y(p.low as number))}`).reverse();
    out.push(
      `<polygon class="band" points="${[...upper, ...lower].join(' ')}" fill="#73b3e7" fill-opacity="0.35"/>`,
    );
  }
  for (const m of markers) {
    if (pts.length === 0 || m.at < t0 || m.at > t1) continue;
    const color = m.kind === 'command' ? '#8b0a03' : m.kind === 'toggle' ? '#4d8055' : '#565c65';
    out.push(
      `<line class="marker marker-${m.kind}" x1="${n(x(m.at))}" x2="${n(x(m.at))}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="${color}" stroke-dasharray="2 3"><title>${escapeHtml(`${clock(m.at)} ${m.label}`)}</title></line>`,
    );
  }
  series.thresholds.forEach((t, i) => {
    const color = t.kind === 'rollback' ? '#b50909' : '#00756a';
    const yy = n(y(t.value));
    out.push(
      `<line class="threshold threshold-${t.kind}" x1="${PAD.left}" x2="${W - PAD.right}" y1="${yy}" y2="${yy}" stroke="${color}" stroke-width="1.5" stroke-dasharray="6 4"><title>${escapeHtml(`${t.kind}: ${t.criterion}`)}</title></line>`,
      `<text x="${W - PAD.right + 4}" y="${n(y(t.value) + 4 + i * 0)}" font-size="11" fill="${color}">${escapeHtml(`${t.kind} ${t.op} ${formatValue(t.value, series.percent)}`)}</text>`,
    );
  });
  if (pts.length > 0) {
    out.push(
      `<polyline class="values" points="${pts.map((p) => `${n(x(p.at))},${n(y(p.value))}`).join(' ')}" fill="none" stroke="#005ea2" stroke-width="2"/>`,
    );
    for (const p of pts.slice(-200))
      out.push(`<circle cx="${n(x(p.at))}" cy="${n(y(p.value))}" r="2.5" fill="#005ea2"/>`);
  }
  out.push('</svg>');
  return out.join('');
}
