import type { ReportModel } from './model.js';

/* `report --format json`: the model as is, so scripts read the same data the markdown shows. */
export function renderReportJson(m: ReportModel): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}
