import { describe, expect, it } from 'vitest';
import { renderSeriesMermaid } from '../../src/report/chart-mermaid.js';
import { renderSeriesSvg } from '../../src/report/chart-svg.js';
import {
  buildReportModel,
  historyMarkers,
  metricSeries,
  renderReportHtml,
  renderReportMarkdown,
} from '../../src/report/index.js';
import { stagePoints } from '../../src/report/metric-series.js';
import type { HistoryEntry } from '../../src/ports/state-store.js';
import { record } from '../server/helpers.js';
import { check, completedHistory, rollout, START } from './fixtures.js';

const H = 3_600_000;
const recordOf = (_history: readonly HistoryEntry[]) =>
  record(rollout.name, { state: 'completed', stage: 'stage-e', stageIndex: 4, percent: 100 });

describe('metricSeries', () => {
  const series = metricSeries(completedHistory());
  const byName = new Map(series.map((s) => [s.metric, s]));

  it('has a point per check for every measured metric, in history order', () => {
    const checks = completedHistory().filter((e) => e.type === 'check' && !e.detail.postLaunch);
    expect(byName.get('error_rate')?.points.map((p) => p.at)).toEqual(checks.map((c) => c.at));
    expect([...byName.keys()].sort()).toEqual([
      'click_through',
      'contact_center_calls',
      'error_rate',
      'sent',
    ]);
  });

  it.each([
    [
      'error_rate',
      true,
      [
        ['advance', '<', 0.05],
        ['rollback', '>', 0.05],
      ],
    ],
    ['click_through', true, [['advance', '>', 0.3]]],
    ['contact_center_calls', false, [['advance', '<', 2]]],
    ['sent', false, []],
  ] as const)('%s: percent %s, thresholds %j', (metric, percent, thresholds) => {
    const s = byName.get(metric);
    expect(s?.percent).toBe(percent);
    expect(s?.thresholds.map((t) => [t.kind, t.op, t.value])).toEqual(thresholds);
  });

  it("keeps a ratio's interval as the band", () => {
    const first = byName.get('error_rate')?.points[0];
    expect(first?.low).toBeCloseTo((1 / 90) * 0.8);
    expect(first?.high).toBeCloseTo((1 / 90) * 1.25);
    expect(byName.get('sent')?.points[0]?.low).toBeNull();
  });

  it('marks commands, toggle writes and decisions that changed something, not holds', () => {
    const markers = historyMarkers(completedHistory());
    expect(markers.some((m) => m.kind === 'command' && m.label === 'pause by ian.donovan')).toBe(true);
    expect(markers.some((m) => m.kind === 'toggle' && m.label === 'toggle 25%')).toBe(true);
    expect(markers.filter((m) => m.kind === 'decision').map((m) => m.label)).not.toContain('hold');
    expect(markers.some((m) => m.kind === 'decision' && m.label === 'advance')).toBe(true);
  });
});

describe('renderSeriesSvg', () => {
  const history = [
    check(START, 'canary', 2, { sent: 100, failed: 1, clicks: 40, delivered: 100, calls: 0 }, 'hold'),
    check(
      START + H,
      'canary',
      2,
      { sent: 200, failed: 20, clicks: 80, delivered: 200, calls: 0 },
      'rollback',
      { breach: true },
    ),
  ];
  const error = metricSeries(history).find((s) => s.metric === 'error_rate');

  it('draws the values, the band and a line per threshold, with a text alternative', () => {
    const svg = renderSeriesSvg(error!, historyMarkers(history), 'c1');
    expect(svg).toMatch(/^<svg class="chart"[^>]*role="img"[^>]*aria-labelledby="c1-t c1-d"/);
    expect(svg.match(/<line class="threshold threshold-rollback"/g)).toHaveLength(1);
    expect(svg.match(/<line class="threshold threshold-advance"/g)).toHaveLength(1);
    expect(svg).toContain('<polygon class="band"');
    expect(svg.match(/<polyline class="values" points="([^"]*)"/)?.[1]?.split(' ')).toHaveLength(2);
    expect(svg).toContain('<desc id="c1-d">2 checks; last 10%');
    expect(svg).toContain('rollback threshold &gt; 5%');
    expect(svg).toContain('marker-decision');
  });

  it('puts the breaching value above the rollback line (SVG y grows downwards)', () => {
    const svg = renderSeriesSvg(error!, [], 'c2');
    const thresholdY = Number(svg.match(/threshold-rollback"[^>]*y1="([\d.]+)"/)?.[1]);
    const lastY = Number(svg.match(/<polyline class="values" points="[^"]* [\d.]+,([\d.]+)"/)?.[1]);
    expect(lastY).toBeLessThan(thresholdY);
  });

  it.each([
    ['the same day: times only', H, ['12:00:00 UTC', '13:00:00']],
    ['days apart: with the dates', 50 * H, ['2025-06-17 12:00 UTC', '2025-06-19 14:00']],
  ])('labels the time axis (%s)', (_what, span, labels) => {
    const s = {
      metric: 'm',
      percent: false,
      thresholds: [],
      points: [START, START + span].map((at) => ({ at, value: 1, low: null, high: null, stage: 'canary' })),
    };
    const texts = [...renderSeriesSvg(s, [], 'c4').matchAll(/<text [^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(texts.slice(-2)).toEqual(labels);
  });

  it('escapes a metric name and labels', () => {
    const svg = renderSeriesSvg({ metric: '<x>', percent: false, points: [], thresholds: [] }, [], 'c3');
    expect(svg).not.toContain('<x>');
    expect(svg).toContain('&lt;x&gt; over time');
  });
});

describe('Mermaid charts in the markdown report', () => {
  it('has one xychart-beta per metric per stage that measured it, thresholds as lines', () => {
    const history = completedHistory();
    const series = metricSeries(history);
    const md = renderReportMarkdown(
      buildReportModel(recordOf(history), history, rollout, START + 300 * H),
      series,
    );
    const blocks = md.match(/```mermaid\nxychart-beta\n[\s\S]*?```/g) ?? [];
    const stagesMeasured = new Set(
      history.flatMap((e) =>
        e.type === 'check' && e.detail.postLaunch === null && e.stage ? [e.stage] : [],
      ),
    );
    expect(blocks).toHaveLength(stagesMeasured.size * 4);
    const canaryError = blocks.find((b) => b.includes('title "error_rate in canary"'));
    expect(canaryError).toContain('y-axis "error_rate (%)"');
    // the value line and two threshold lines at 5 (%)
    expect(canaryError?.match(/^ {2}line \[/gm)).toHaveLength(3);
    expect(canaryError).toMatch(/line \[5, 5\]/);
  });

  it('is empty for a stage without values', () => {
    const s = metricSeries(completedHistory())[0]!;
    expect(renderSeriesMermaid(stagePoints(s, 'no-such-stage'), 'no-such-stage')).toBe('');
  });

  it('leaves the report without charts when no series is given (golden files)', () => {
    const history = completedHistory();
    expect(renderReportMarkdown(buildReportModel(recordOf(history), history, rollout, START))).not.toContain(
      'mermaid',
    );
  });
});

describe('renderReportHtml', () => {
  it('is a standalone document with the stage timeline, a chart per metric and escaped text', () => {
    const history: HistoryEntry[] = [
      ...completedHistory(),
      {
        type: 'command',
        at: START + 200 * H,
        command: 'pause',
        by: '<script>x</script>',
        reason: null,
        accepted: false,
        message: 'refused',
      },
    ];
    const html = renderReportHtml(
      buildReportModel(recordOf(history), history, rollout, START + 300 * H),
      metricSeries(history),
      historyMarkers(history),
    );
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(html.match(/<svg class="chart"/g)).toHaveLength(4);
    expect(html).toContain('<caption>Stages: planned and actual</caption>');
    expect(html).toContain('2%, at least 4h, 150 samples');
  });
});
