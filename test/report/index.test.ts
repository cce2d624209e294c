import { describe, expect, it } from 'vitest';
import * as report from '../../src/report/index.js';
import { buildReportModel } from '../../src/report/build-model.js';
import { parseCheckDetail } from '../../src/ports/history.js';
import { historyMarkers, metricSeries } from '../../src/report/metric-series.js';
import { renderReportHtml } from '../../src/report/render-html.js';
import { renderReportJson } from '../../src/report/render-json.js';
import { renderReportMarkdown } from '../../src/report/render-markdown.js';

/* The report's entry point: the CLI and the server import the report from here only. */

describe('report/index', () => {
  it('re-exports the same functions the modules define, and nothing else at runtime', () => {
    expect(report.buildReportModel).toBe(buildReportModel);
    expect(report.parseCheckDetail).toBe(parseCheckDetail);
    expect(report.renderReportJson).toBe(renderReportJson);
    expect(report.renderReportMarkdown).toBe(renderReportMarkdown);
    expect(report.renderReportHtml).toBe(renderReportHtml);
    expect(report.metricSeries).toBe(metricSeries);
    expect(report.historyMarkers).toBe(historyMarkers);
    expect(Object.keys(report).sort()).toEqual([
      'buildReportModel',
      'historyMarkers',
      'metricSeries',
      'parseCheckDetail',
      'postLaunchLabel',
      'renderReportHtml',
      'renderReportJson',
      'renderReportMarkdown',
    ]);
  });
});
