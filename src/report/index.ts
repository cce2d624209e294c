/*
 * Release report: `buildReportModel(record, history, rollout?, now?)` → ReportModel,
 * `renderReportMarkdown(model)` / `renderReportJson(model)` → text.
 */
export { buildReportModel } from './build-model.js';
export { postLaunchLabel } from './post-launch.js';
export { parseCheckDetail, type CheckDetail } from './check-detail.js';
export type * from './model.js';
export { renderReportJson } from './render-json.js';
export { renderReportMarkdown } from './render-markdown.js';
export { historyMarkers, metricSeries, type Marker, type MetricSeries } from './metric-series.js';
export { renderReportHtml } from './render-html.js';
