import { formatValue } from './format.js';
import type { MetricSeries } from './metric-series.js';

/*
 * One metric in one stage as a Mermaid `xychart-beta` block (GitHub renders
 * it in the Markdown report): the values as a line, each threshold as a flat
 * line, percent metrics in percent. Mermaid has no legend, so the caption
 * under the block says which line is which. Long stages are thinned to at
 * most MAX_POINTS evenly spaced checks, the last one always kept.
 */

const MAX_POINTS = 40;

/** Mermaid strings cannot escape quotes: anything but plain text becomes a space. */
function label(text: string): string {
  return text.replace(/[^A-Za-z0-9 _.:%<>=!/()-]/g, ' ').slice(0, 80);
}

function thin<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const step = (items.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => items[Math.round(i * step)] as T);
}

const num = (v: number): string => Number(v.toPrecision(4)).toString();

/** The block and its caption, or '' when the stage has no value of this metric. */
export function renderSeriesMermaid(series: MetricSeries, stage: string): string {
  const points = thin(series.points, MAX_POINTS);
  if (points.length === 0) return '';
  const scale = series.percent ? 100 : 1;
  const values = points.map((p) => p.value * scale);
  const lines = series.thresholds.map((t) => t.value * scale);
  const top = Math.max(...values, ...lines);
  const bottom = Math.min(0, ...values, ...lines);
  const max = top === bottom ? bottom + 1 : top + (top - bottom) * 0.1;
  const unit = series.percent ? ' (%)' : '';
  const out = [
    '```mermaid',
    'xychart-beta',
    `  title "${label(`${series.metric} in ${stage}`)}"`,
    `  x-axis [${points.map((p) => `"${new Date(p.at).toISOString().slice(11, 16)}"`).join(', ')}]`,
    `  y-axis "${label(series.metric + unit)}" ${num(bottom)} --> ${num(max)}`,
    `  line [${values.map(num).join(', ')}]`,
    ...lines.map((v) => `  line [${points.map(() => num(v)).join(', ')}]`),
    '```',
    '',
  ];
  const caption = [
    `first line: ${series.metric} at each check (times UTC)`,
    ...series.thresholds.map(
      (t, i) => `line ${i + 2}: ${t.kind} threshold ${t.op} ${formatValue(t.value, series.percent)}`,
    ),
  ];
  out.push(`_${caption.join('; ')}_`, '');
  return out.join('\n');
}
