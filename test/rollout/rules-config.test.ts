import { describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/rollout/errors.js';
import { checkRolloutText } from '../../src/rollout/loader.js';
import { configReferenceIssues, warningIssues, type ConfigNames } from '../../src/rollout/rules-config.js';
import { rolloutText } from './rollout-text.js';

const CONFIG = {
  metrics: { datadog: {} },
  toggles: { flipper: {}, local: {} },
  notifiers: { team: {}, oncall: {} },
} as unknown as ConfigNames;

const SUM = { datadog: { query: 'sum:calls{*}.as_count()' } };

function rollout(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    toggle: { provider: 'flipper', feature: 'f' },
    metrics: { calls: SUM },
    notify: ['team'],
    ...over,
  };
}

describe('configReferenceIssues', () => {
  it('finds nothing when every name is defined', () => {
    expect(configReferenceIssues(rollout({ report: { errors: { provider: 'datadog' } } }), CONFIG)).toEqual(
      [],
    );
    expect(configReferenceIssues('not a mapping', CONFIG)).toEqual([]);
  });

  it.each([
    [
      'a toggle provider typo',
      { toggle: { provider: 'fliper' } },
      CONFIG,
      [
        {
          path: ['toggle', 'provider'],
          at: 'value',
          message: 'unknown toggle provider "fliper" (did you mean "flipper"?)',
        },
      ],
    ],
    [
      'a toggle provider nothing like the defined ones',
      { toggle: { provider: 'launchdarkly' } },
      CONFIG,
      [
        {
          path: ['toggle', 'provider'],
          at: 'value',
          message: 'unknown toggle provider "launchdarkly" (the config defines flipper, local)',
        },
      ],
    ],
    [
      'a notifier typo and an unknown one',
      { notify: ['teem', 'pagerduty'] },
      CONFIG,
      [
        { path: ['notify', 0], at: 'value', message: 'unknown notifier "teem" (did you mean "team"?)' },
        {
          path: ['notify', 1],
          at: 'value',
          message: 'unknown notifier "pagerduty" (the config defines team, oncall)',
        },
      ],
    ],
    [
      'a metric provider that is not defined',
      { metrics: { calls: { ...SUM, provider: 'prometheus' } } },
      CONFIG,
      [
        {
          path: ['metrics', 'calls', 'provider'],
          at: 'value',
          message: 'unknown metrics provider "prometheus" (the config defines datadog)',
        },
      ],
    ],
    [
      'a report.errors provider that is not defined',
      { report: { errors: { provider: 'dd' } } },
      CONFIG,
      [
        {
          path: ['report', 'errors', 'provider'],
          at: 'value',
          message: 'unknown metrics provider "dd" (the config defines datadog)',
        },
      ],
    ],
    [
      'a metric without provider when the config defines several',
      {},
      { ...CONFIG, metrics: { eu: {}, us: {} } },
      [
        {
          path: ['metrics', 'calls'],
          at: 'key',
          message: 'needs provider: the config defines several (eu, us)',
        },
      ],
    ],
    [
      'a metric when the config defines none',
      {},
      { ...CONFIG, metrics: {} },
      [
        {
          path: ['metrics', 'calls'],
          at: 'key',
          message: 'the config defines no metrics provider to query this metric',
        },
      ],
    ],
    [
      'a notifier when the config defines none',
      {},
      { ...CONFIG, notifiers: {} },
      [
        {
          path: ['notify', 0],
          at: 'value',
          message: 'unknown notifier "team" (the config defines no notifiers)',
        },
      ],
    ],
  ])('%s', (_what, over, config, expected) => {
    expect(configReferenceIssues(rollout(over), config as ConfigNames)).toEqual(expected);
  });

  it('is not fooled by Object.prototype names', () => {
    expect(
      configReferenceIssues(rollout({ toggle: { provider: 'constructor' }, notify: ['toString'] }), CONFIG),
    ).toEqual([
      {
        path: ['toggle', 'provider'],
        at: 'value',
        message: 'unknown toggle provider "constructor" (the config defines flipper, local)',
      },
      {
        path: ['notify', 0],
        at: 'value',
        message: 'unknown notifier "toString" (the config defines team, oncall)',
      },
    ]);
  });
});

describe('warningIssues', () => {
  const WARNING =
    'warning: calls counts over window: stage, and stages[1] lasts 7d: the count accumulates for the whole stage; a sliding window (e.g. window: 1d) is usually meant';

  function file(over: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      stages: [
        { name: 'a', percent: 10, minDuration: '2d' },
        { name: 'b', percent: 50, minDuration: '7d' },
        { name: 'c', percent: 100, minDuration: '3d' },
      ],
      metrics: { calls: SUM, rate: { datadog: { numerator: 'a', denominator: 'b' } } },
      criteria: { advance: ['calls < 2', 'rate < 5%'], rollback: ['calls >= 10'] },
      ...over,
    };
  }

  it('warns about each count criterion over window: stage, naming the longest stage over a day', () => {
    expect(warningIssues(file())).toEqual([
      { path: ['criteria', 'advance', 0], at: 'value', message: WARNING },
      { path: ['criteria', 'rollback', 0], at: 'value', message: WARNING },
    ]);
  });

  it.each([
    ['every stage lasts a day at most', { stages: [{ minDuration: '1d' }, { minDuration: '12h' }] }],
    ['the count has a sliding window', { metrics: { calls: { ...SUM, window: '1d' } } }],
    [
      'the metric is an average',
      { metrics: { calls: { datadog: { query: 'avg:x{*}', aggregator: 'avg' } } } },
    ],
    ['the metric is unknown', { metrics: {} }],
    ['there are no stages', { stages: 'none' }],
  ])('says nothing when %s', (_what, over) => {
    expect(warningIssues(file(over))).toEqual([]);
  });

  it('also warns about logs and RUM counts', () => {
    const logs = { datadog: { logs: { search: 'status:error', aggregation: 'count' } }, window: 'stage' };
    expect(
      warningIssues(file({ metrics: { calls: logs }, criteria: { advance: ['calls < 2'] } })).map(
        (w) => w.path,
      ),
    ).toEqual([['criteria', 'advance', 0]]);
  });
});

// through the loader: a warning, not a problem, with its position
describe('validate warns about counts over a long stage', () => {
  it('warns (not an error) when a count criterion reads window: stage in a stage longer than a day', () => {
    const check = checkRolloutText(
      rolloutText({
        stages: '  - { name: canary, percent: 2, minDuration: 7d }\n  - { name: full, percent: 100 }',
      }),
      'r.yaml',
    );
    expect(check.problems).toEqual([]);
    expect(check.rollout).toBeDefined();
    expect(check.warnings.map(formatProblem)).toEqual([
      'r.yaml:11:13: criteria.advance[0]: warning: calls counts over window: stage, and stages[0] lasts 7d: the count accumulates for the whole stage; a sliding window (e.g. window: 1d) is usually meant',
    ]);
  });

  it('does not warn for a sliding window or short stages', () => {
    expect(checkRolloutText(rolloutText({}), 'r.yaml').warnings).toEqual([]);
    const sliding = rolloutText({
      stages: '  - { name: canary, percent: 2, minDuration: 7d }\n  - { name: full, percent: 100 }',
      metrics: '  calls:\n    datadog: { query: "q", aggregator: sum }\n    window: 1d',
    });
    expect(checkRolloutText(sliding, 'r.yaml').warnings).toEqual([]);
  });
});
