import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/rollout/errors.js';
import { checkRolloutFile } from '../../src/rollout/loader.js';

/*
 * Every invalid fixture with the exact lines `stagegate validate` prints for
 * it, without the leading path. The fixtures are the base rollout of
 * test/fixtures/valid/minimal-full.yaml with one mistake each (or a hostile
 * YAML file).
 */

const DIR = 'test/fixtures/invalid';

const expected: Record<string, string[]> = {
  'advance-days-typo': [
    ':11:17: check.advanceDuring.days[1]: must be one of mon, tue, wed, thu, fri, sat, sun, got "tues" (did you mean "tue"?)',
  ],
  'advance-hours-format': [':12:12: check.advanceDuring.hours: must be "HH:MM-HH:MM", e.g. "09:00-17:00"'],
  'advance-hours-reversed': [
    ':12:12: check.advanceDuring.hours: the start must be before the end (a window across midnight is not supported: split the days instead)',
  ],
  'check-cron-bad-minute': [':8:9: check.cron: "61" is not valid in the minute field'],
  'check-cron-field-count': [
    ':8:9: check.cron: must have 5 fields (minute hour day month weekday) or 6 (with seconds first), got 3',
  ],
  'check-every-and-cron': [':9:3: check.cron: set either every or cron, not both'],
  'check-every-not-duration': [':8:10: check.every: must be a duration like 90s, 15m, 4h, 1h30m or 2d'],
  'check-timezone-typo': [
    ':9:13: check.timezone: unknown time zone "America/New_Yrok" (did you mean "America/New_York"?)',
  ],
  'check-without-schedule': [':8:3: check: needs every (e.g. every: 5m) or cron (e.g. cron: "*/5 * * * *")'],
  'criteria-key-typo': [':29:3: criteria.rolback: unknown key (did you mean "rollback"?)'],
  'criteria-not-a-list': [':27:12: criteria.advance: must be a list, got a string'],
  'criterion-advance-for-checks': [
    ':28:23: criteria.advance[0]: "for <n> checks" / "for <duration>" applies to rollback criteria only: advance criteria are judged at each check (a definitely failing one acts after policy.failingFor)',
  ],
  'criterion-missing-threshold': [
    ':28:19: criteria.advance[0]: unexpected end of criterion: expected a number, e.g. 5, 0.25 or 5%',
  ],
  'criterion-never-holds': [
    ':28:20: criteria.advance[0]: "< 0%" can never hold: a ratio is between 0% and 100%',
  ],
  'criterion-operator-misspelled': [
    ':28:18: criteria.advance[0]: "=<" is not an operator: did you mean "<="?',
  ],
  'criterion-percent-over-100': [':28:20: criteria.advance[0]: a percentage must be between 0% and 100%'],
  'criterion-quoted-bad-char': [
    ':28:22: criteria.advance[0]: unexpected "#": expected %, " for <n> checks" or the end',
  ],
  'criterion-ratio-without-percent': [
    ':30:20: criteria.rollback[0]: error_rate is a ratio between 0 and 1: did you mean 5%?',
  ],
  'criterion-trailing-words': [
    ':30:36: criteria.rollback[0]: unexpected "p": expected the end of the criterion',
  ],
  'criterion-unknown-metric': [
    ':28:7: criteria.advance[0]: unknown metric "eror_rate" (did you mean "error_rate"?)',
  ],
  'criterion-zero-checks': [':30:27: criteria.rollback[0]: "for" needs at least 1 check'],
  'description-number': [':2:14: description: must be a string, got a whole number'],
  'metric-aggregator-invalid': [
    ':20:81: metrics.requests.datadog.aggregator: must be one of sum, avg, min, max, last, percentile, mean, l2norm, area, got "total"',
  ],
  'metric-aggregator-typo-key': [
    ':20:69: metrics.requests.datadog.agregator: unknown key (did you mean "aggregator"?)',
  ],
  'metric-cardinality-without-facet': [
    ':21:63: metrics.requests.datadog.rum.aggregation: cardinality needs a facet to count distinct values of, e.g. facet: "@usr.id"',
  ],
  'metric-facet-with-count': [
    ':21:63: metrics.requests.datadog.logs.facet: is only used with aggregation: cardinality',
  ],
  'metric-name-invalid': [
    ':21:3: metrics.Error-Rate: must be lowercase letters, digits and _ (max 64)',
    ':28:7: criteria.advance[0]: unknown metric "error_rate" (did you mean "Error-Rate"?)',
    ':30:7: criteria.rollback[0]: unknown metric "error_rate" (did you mean "Error-Rate"?)',
  ],
  'metric-ratio-missing-denominator': [
    ':23:7: metrics.error_rate.datadog: missing required key "denominator"',
  ],
  'metric-source-empty': [
    ':20:14: metrics.requests.datadog: must have query (+ aggregator), numerator + denominator, logs or rum',
  ],
  'metric-source-not-mapping': [
    ':20:14: metrics.requests.datadog: must have query (+ aggregator), numerator + denominator, logs or rum',
  ],
  'metric-window-invalid': [':25:13: metrics.error_rate.window: must be a duration like 15m or 1h, or stage'],
  'metric-window-key-typo': [':25:5: metrics.error_rate.windw: unknown key (did you mean "window"?)'],
  'name-missing': [':1:1: missing required key "name"'],
  'name-uppercase': [':1:7: name: must be lowercase letters, digits and dashes (max 63)'],
  'notify-not-a-list': [':34:9: notify: must be a list, got a string'],
  'policy-confidence-percent': [':33:15: policy.confidence: must be < 1'],
  'policy-max-errors-zero': [':33:25: policy.maxConsecutiveErrors: must be >= 1'],
  'policy-no-data-invalid': [':32:11: policy.noData: must be one of hold, pause, rollback, got "ignore"'],
  'post-launch-not-duration': [':34:14: postLaunch[0]: must be a duration like 90s, 15m, 4h, 1h30m or 2d'],
  'samples-unknown-metric': [':17:10: samples: unknown metric "request" (did you mean "requests"?)'],
  'stage-min-duration-not-duration': [
    ':15:45: stages[1].minDuration: must be a duration like 90s, 15m, 4h, 1h30m or 2d',
  ],
  'stage-min-samples-without-samples': [
    ':14:50: stages[0].minSamples: needs a top-level `samples:` naming the metric that counts samples',
  ],
  'stage-name-duplicate': [':15:13: stages[1].name: duplicate stage name "canary" (also stages[0])'],
  'stage-name-invalid': [':15:13: stages[1].name: must be lowercase letters, digits and dashes'],
  'stage-percent-decimals': [':14:30: stages[0].percent: must have at most 3 decimals'],
  'stage-percent-over-100': [':16:28: stages[2].percent: must be <= 100'],
  'stage-percent-string': [':15:28: stages[1].percent: must be a number, got a string'],
  'stage-percent-zero': [':14:30: stages[0].percent: must be > 0'],
  'stage-percents-not-increasing': [
    ':15:28: stages[1].percent: must be greater than 5 (stages[0]): percents strictly increase',
  ],
  'stage-unknown-key': [':16:33: stages[2].aproval: unknown key (did you mean "approval"?)'],
  'stages-empty': [':13:9: stages: must have at least 1 item'],
  'start-unknown-word': [
    ':6:8: start: must be immediately, manual or an ISO 8601 timestamp with offset, e.g. 2025-06-17T08:00:00-04:00',
  ],
  'start-without-offset': [
    ':6:8: start: the timestamp needs a UTC offset, e.g. 2025-06-17T08:00:00-04:00 or 2025-06-17T08:00:00Z',
  ],
  'toggle-empty': [':3:1: toggle: must be a mapping, got an empty value'],
  'toggle-gate-typo': [
    ':6:9: toggle.gate: must be one of percentage_of_actors, percentage_of_time, got "percentage_of_actor" (did you mean "percentage_of_actors"?)',
  ],
  'toggle-key-typo': [
    ':4:3: toggle: missing required key "feature"',
    ':5:3: toggle.fature: unknown key (did you mean "feature"?)',
  ],
  'toggle-on-rollback-invalid': [':6:15: toggle.onRollback: must be one of zero, disable, got "off"'],
  'top-level-key-typo': [
    ':1:1: missing required key "stages"',
    ':13:1: stagse: unknown key (did you mean "stages"?)',
  ],
  'yaml-alias-bomb': [':2:8: too many aliases (more than 64 expansions): refusing a possible alias bomb'],
  'yaml-duplicate-key': [':7:1: duplicate key "start"'],
  'yaml-empty': [':1:1: file is empty: expected a rollout mapping (name, toggle, check, stages, ...)'],
  'yaml-multiple-documents': [
    ':35:1: a file holds one YAML document: remove the second "---" or split the file',
  ],
  'yaml-scalar': [
    ':1:1: expected a rollout mapping (name, toggle, check, stages, ...) at the top level, got a single value',
  ],
  'yaml-tab-indent': [':4:1: invalid YAML: Tabs are not allowed as indentation'],
  'yaml-top-level-list': [
    ':1:1: expected a rollout mapping (name, toggle, check, stages, ...) at the top level, got a list',
  ],
  'yaml-unclosed-quote': [':12:24: invalid YAML: Missing closing "quote'],
  'yaml-unknown-alias': [
    ':17:10: invalid YAML: Unresolved alias (the anchor must be set before the alias): metric',
  ],
};

describe('invalid rollout fixtures', () => {
  it('has an expectation for every fixture file, and at least 40 fixtures', () => {
    const files = readdirSync(DIR)
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.slice(0, -'.yaml'.length))
      .sort();
    expect(files).toEqual(Object.keys(expected).sort());
    expect(files.length).toBeGreaterThanOrEqual(40);
  });

  it.each(Object.entries(expected))('%s', async (name, lines) => {
    const path = `${DIR}/${name}.yaml`;
    const check = await checkRolloutFile(path);
    expect(check.rollout).toBeUndefined();
    expect(check.problems.map(formatProblem)).toEqual(lines.map((l) => `${path}${l}`));
  });
});
