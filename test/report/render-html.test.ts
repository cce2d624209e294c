import { describe, expect, it } from 'vitest';
import { buildReportModel } from '../../src/report/build-model.js';
import { historyMarkers, metricSeries } from '../../src/report/metric-series.js';
import { renderReportHtml } from '../../src/report/render-html.js';
import type { HistoryEntry } from '../../src/ports/state-store.js';
import { record } from '../server/helpers.js';
import { completedHistory, rollout, START } from './fixtures.js';

const H = 3_600_000;
const recordOf = (_history: readonly HistoryEntry[]) =>
  record(rollout.name, { state: 'completed', stage: 'stage-e', stageIndex: 4, percent: 100 });

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
