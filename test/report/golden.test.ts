import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildReportModel, renderReportJson, renderReportMarkdown } from '../../src/report/index.js';
import { START, completedHistory, recordFor, rolledBackHistory, rollout } from './fixtures.js';

/*
 * Golden files: a fixed history renders to exactly these bytes (JSON as
 * .json.golden: prettier would reflow a .json file, JSON.stringify does not). After an
 * intended change, regenerate with UPDATE_GOLDEN=1 and review the diff.
 */

const dir = new URL('../fixtures/report/', import.meta.url);
const NOW = START + 12 * 86_400_000;

function golden(file: string, actual: string): void {
  const url = new URL(file, dir);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dir, { recursive: true });
    writeFileSync(url, actual);
  }
  expect(actual).toBe(readFileSync(url, 'utf8'));
}

const completedRecord = recordFor('event-bus-gateway-emails', 'completed', 'stage-e', 4, 100, null);
const rolledBackRecord = recordFor(
  'event-bus-gateway-emails',
  'rolled_back',
  'stage-c',
  2,
  0,
  'error_rate > 5% for 2 checks: 9% (7.2%–11.2%)',
);

describe('release report golden files', () => {
  it('completed rollout with the rollout file → markdown', () => {
    golden(
      'completed.md',
      renderReportMarkdown(buildReportModel(completedRecord, completedHistory(), rollout, NOW)),
    );
  });

  it('completed rollout with the rollout file → json', () => {
    golden(
      'completed.json.golden',
      renderReportJson(buildReportModel(completedRecord, completedHistory(), rollout, NOW)),
    );
  });

  it('rolled-back rollout → markdown', () => {
    golden(
      'rolled-back.md',
      renderReportMarkdown(buildReportModel(rolledBackRecord, rolledBackHistory(), rollout, NOW)),
    );
  });

  it('without the rollout file, from history alone → markdown', () => {
    golden(
      'history-only.md',
      renderReportMarkdown(buildReportModel(completedRecord, completedHistory(), undefined, NOW)),
    );
  });
});
