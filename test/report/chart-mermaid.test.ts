import { describe, expect, it } from 'vitest';
import { renderSeriesMermaid } from '../../src/report/chart-mermaid.js';
import { metricSeries, stagePoints, type MetricSeries } from '../../src/report/metric-series.js';
import { completedHistory, START } from './fixtures.js';

const MIN = 60_000;

function series(values: readonly number[], over: Partial<MetricSeries> = {}): MetricSeries {
  return {
    metric: 'error_rate',
    percent: false,
    thresholds: [],
    points: values.map((value, i) => ({
      at: START + i * MIN,
      value,
      low: null,
      high: null,
      stage: 'canary',
    })),
    ...over,
  };
}

const lineRows = (md: string): string[] => md.split('\n').filter((l) => l.startsWith('  line ['));

describe('renderSeriesMermaid', () => {
  it('is empty for a stage without values', () => {
    const s = metricSeries(completedHistory())[0]!;
    expect(renderSeriesMermaid(stagePoints(s, 'no-such-stage'), 'no-such-stage')).toBe('');
  });

  it('draws the values, then one flat line per threshold, in percent for a percent metric', () => {
    const md = renderSeriesMermaid(
      series([0.01, 0.02, 0.07], {
        percent: true,
        thresholds: [
          { criterion: 'error_rate < 5%', kind: 'advance', op: '<', value: 0.05 },
          { criterion: 'error_rate > 10%', kind: 'rollback', op: '>', value: 0.1 },
        ],
      }),
      'canary',
    );
    expect(md.startsWith('```mermaid\nxychart-beta\n')).toBe(true);
    expect(md).toContain('  title "error_rate in canary"');
    expect(md).toContain('  x-axis ["12:00", "12:01", "12:02"]');
    expect(lineRows(md)).toEqual(['  line [1, 2, 7]', '  line [5, 5, 5]', '  line [10, 10, 10]']);
    // the axis starts at 0 and leaves 10% headroom over the highest line
    expect(md).toContain('  y-axis "error_rate (%)" 0 --> 11');
    expect(md).toContain(
      '_first line: error_rate at each check (times UTC); line 2: advance threshold < 5%; line 3:',
    );
  });

  it('thins a long stage to 40 evenly spaced checks and always keeps the last', () => {
    const values = Array.from({ length: 100 }, (_, i) => i);
    const row = lineRows(renderSeriesMermaid(series(values), 'canary'))[0]!;
    const drawn = row.slice('  line ['.length, -1).split(', ').map(Number);
    expect(drawn).toHaveLength(40);
    expect(drawn[0]).toBe(0);
    expect(drawn.at(-1)).toBe(99);
    expect(drawn).toEqual([...drawn].sort((a, b) => a - b));
  });

  it('turns characters Mermaid cannot quote into spaces', () => {
    const md = renderSeriesMermaid(series([1], { metric: 'a"b;c' }), 'st"age');
    expect(md).toContain('  title "a b c in st age"');
    expect(md).not.toMatch(/title "[^\n]*"[^\n]*"/);
  });
});
