import { describe, expect, it } from 'vitest';
import { renderSeriesSvg } from '../../src/report/chart-svg.js';
import { historyMarkers, metricSeries } from '../../src/report/metric-series.js';
import { check, START } from './fixtures.js';

const H = 3_600_000;

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
