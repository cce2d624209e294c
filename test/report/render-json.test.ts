import { describe, it } from 'vitest';
import { buildReportModel } from '../../src/report/build-model.js';
import { renderReportJson } from '../../src/report/render-json.js';
import { completedHistory, rollout } from './fixtures.js';
import { completedRecord, golden, NOW } from './golden.js';

describe('release report golden files (json)', () => {
  it('completed rollout with the rollout file', () => {
    golden(
      'completed.json.golden',
      renderReportJson(buildReportModel(completedRecord, completedHistory(), rollout, NOW)),
    );
  });
});
