import { describe, expect, it } from 'vitest';
import { buildReportModel } from '../../src/report/build-model.js';
import { metricSeries } from '../../src/report/metric-series.js';
import { renderReportMarkdown } from '../../src/report/render-markdown.js';
import type { HistoryEntry } from '../../src/ports/state-store.js';
import { record } from '../server/helpers.js';
import { completedHistory, rolledBackHistory, rollout, START } from './fixtures.js';
import { completedRecord, golden, NOW, rolledBackRecord } from './golden.js';

const H = 3_600_000;
const recordOf = (_history: readonly HistoryEntry[]) =>
  record(rollout.name, { state: 'completed', stage: 'stage-e', stageIndex: 4, percent: 100 });

describe('release report golden files (markdown)', () => {
  it('completed rollout with the rollout file', () => {
    golden(
      'completed.md',
      renderReportMarkdown(buildReportModel(completedRecord, completedHistory(), rollout, NOW)),
    );
  });

  it('rolled-back rollout', () => {
    golden(
      'rolled-back.md',
      renderReportMarkdown(buildReportModel(rolledBackRecord, rolledBackHistory(), rollout, NOW)),
    );
  });

  it('without the rollout file, from history alone', () => {
    golden(
      'history-only.md',
      renderReportMarkdown(buildReportModel(completedRecord, completedHistory(), undefined, NOW)),
    );
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

  it('leaves the report without charts when no series is given (golden files)', () => {
    const history = completedHistory();
    expect(renderReportMarkdown(buildReportModel(recordOf(history), history, rollout, START))).not.toContain(
      'mermaid',
    );
  });
});
