import { describe, expect, it } from 'vitest';
import { historyMarkers, metricSeries, stagePoints } from '../../src/report/metric-series.js';
import { completedHistory } from './fixtures.js';

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

describe('stagePoints', () => {
  it('keeps only the points of the named stage, in order, and the thresholds', () => {
    const s = metricSeries(completedHistory()).find((x) => x.metric === 'error_rate')!;
    const stages = [...new Set(s.points.map((p) => p.stage))];
    expect(stages.length).toBeGreaterThan(1);
    const first = stagePoints(s, stages[0]!);
    expect(first.points.length).toBeGreaterThan(0);
    expect(first.points).toEqual(s.points.filter((p) => p.stage === stages[0]));
    expect(first.thresholds).toBe(s.thresholds);
    expect(stagePoints(s, 'no-such-stage').points).toEqual([]);
  });
});
