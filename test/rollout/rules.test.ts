import { describe, expect, it } from 'vitest';
import type { SpecIssue } from '../../src/rollout/issue.js';
import {
  crossFieldIssues,
  forEachCriterion,
  isCountSource,
  tryParse,
  valueOf,
} from '../../src/rollout/rules.js';

const RATIO = { datadog: { numerator: 'sum:a.num{*}', denominator: 'sum:a.den{*}' }, window: '15m' };
const SUM = { datadog: { query: 'sum:sent{*}.as_count()', aggregator: 'sum' }, window: 'stage' };
const AVG = { datadog: { query: 'avg:p99{*}', aggregator: 'avg' }, window: '15m' };

/** A valid file the cases below change one part of. */
function file(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'r',
    toggle: { provider: 'local', feature: 'f' },
    check: { every: '5m' },
    stages: [
      { name: 'canary', percent: 10 },
      { name: 'full', percent: 100 },
    ],
    metrics: { error_rate: RATIO, sent: SUM },
    criteria: { advance: ['error_rate < 5%'], rollback: ['error_rate > 5% for 2 checks'] },
    ...over,
  };
}

describe('crossFieldIssues', () => {
  it('finds nothing in a valid file, nor in data that is not a mapping', () => {
    expect(crossFieldIssues(file())).toEqual([]);
    expect(crossFieldIssues(null)).toEqual([]);
    expect(crossFieldIssues(['a'])).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, SpecIssue[]]>([
    [
      'a duplicate stage name',
      {
        stages: [
          { name: 'a', percent: 10 },
          { name: 'a', percent: 20 },
        ],
      },
      [{ path: ['stages', 1, 'name'], at: 'value', message: 'duplicate stage name "a" (also stages[0])' }],
    ],
    [
      'percents that do not increase',
      {
        stages: [
          { name: 'a', percent: 50 },
          { name: 'b', percent: 50 },
          { name: 'c', percent: 40 },
          { name: 'd', percent: 60 },
        ],
      },
      [
        {
          path: ['stages', 1, 'percent'],
          at: 'value',
          message: 'must be greater than 50 (stages[0]): percents strictly increase',
        },
        {
          path: ['stages', 2, 'percent'],
          at: 'value',
          message: 'must be greater than 50 (stages[0]): percents strictly increase',
        },
      ],
    ],
    [
      'minSamples without samples',
      { stages: [{ name: 'a', percent: 100, minSamples: 100 }] },
      [
        {
          path: ['stages', 0, 'minSamples'],
          at: 'key',
          message: 'needs a top-level `samples:` naming the metric that counts samples',
        },
      ],
    ],
    [
      'both every and cron',
      { check: { every: '5m', cron: '* * * * *' } },
      [{ path: ['check', 'cron'], at: 'key', message: 'set either every or cron, not both' }],
    ],
    [
      'neither every nor cron',
      { check: { timezone: 'UTC' } },
      [
        {
          path: ['check'],
          at: 'parent',
          message: 'needs every (e.g. every: 5m) or cron (e.g. cron: "*/5 * * * *")',
        },
      ],
    ],
    [
      'noData: zero on a ratio',
      { metrics: { error_rate: { ...RATIO, noData: 'zero' } } },
      [
        {
          path: ['metrics', 'error_rate', 'noData'],
          at: 'value',
          message:
            'noData: zero is refused here: a ratio with no data has no denominator: 0 of 0 is not a rate (no data stays no data)',
        },
      ],
    ],
    [
      'noData: zero on an average',
      { metrics: { error_rate: RATIO, p99: { ...AVG, noData: 'zero' } }, criteria: {} },
      [
        {
          path: ['metrics', 'p99', 'noData'],
          at: 'value',
          message:
            'noData: zero is refused here: aggregator avg of nothing is not 0: only counts (aggregator sum, logs/rum) may read no data as zero',
        },
      ],
    ],
    [
      'cardinality without a facet, and a facet without cardinality',
      {
        metrics: {
          users: { datadog: { rum: { search: '@type:view', aggregation: 'cardinality' } }, window: 'stage' },
          logs: {
            datadog: { logs: { search: 'status:error', aggregation: 'count', facet: '@usr.id' } },
            window: 'stage',
          },
        },
        criteria: {},
      },
      [
        {
          path: ['metrics', 'users', 'datadog', 'rum', 'aggregation'],
          at: 'value',
          message: 'cardinality needs a facet to count distinct values of, e.g. facet: "@usr.id"',
        },
        {
          path: ['metrics', 'logs', 'datadog', 'logs', 'facet'],
          at: 'key',
          message: 'is only used with aggregation: cardinality',
        },
      ],
    ],
    [
      'an unknown samples metric',
      { samples: 'sentt' },
      [{ path: ['samples'], at: 'value', message: 'unknown metric "sentt" (did you mean "sent"?)' }],
    ],
    [
      'criteria naming unknown metrics',
      { criteria: { advance: ['error_rat < 5%'], rollback: ['p99 > 300'] } },
      [
        {
          path: ['criteria', 'advance', 0],
          at: 'value',
          column: 1,
          message: 'unknown metric "error_rat" (did you mean "error_rate"?)',
        },
        { path: ['criteria', 'rollback', 0], at: 'value', column: 1, message: 'unknown metric "p99"' },
      ],
    ],
    [
      'a criterion when no metrics are defined',
      { metrics: undefined, criteria: { advance: ['  x < 1'] } },
      [
        {
          path: ['criteria', 'advance', 0],
          at: 'value',
          column: 3,
          message: 'unknown metric "x" (no metrics are defined)',
        },
      ],
    ],
    [
      '"for" on an advance criterion',
      { criteria: { advance: ['error_rate < 5% for 2 checks'] } },
      [
        {
          path: ['criteria', 'advance', 0],
          at: 'value',
          column: 17,
          message:
            '"for <n> checks" / "for <duration>" applies to rollback criteria only: advance criteria are judged at each check (a definitely failing one acts after policy.failingFor)',
        },
      ],
    ],
    [
      'a ratio compared with a number over 1',
      { criteria: { advance: ['error_rate < 5'], rollback: ['error_rate > 0.05'] } },
      [
        {
          path: ['criteria', 'advance', 0],
          at: 'value',
          column: 14,
          message: 'error_rate is a ratio between 0 and 1: did you mean 5%?',
        },
      ],
    ],
  ])('%s', (_what, over, expected) => {
    expect(crossFieldIssues(file(over))).toEqual(expected);
  });

  it('refuses a metric called __proto__ by name', () => {
    const metrics = JSON.parse(
      '{"__proto__": {"datadog": {"query": "sum:x{*}"}, "window": "stage"}}',
    ) as unknown;
    expect(crossFieldIssues(file({ metrics, criteria: {} }))).toEqual([
      {
        path: ['metrics', '__proto__'],
        at: 'key',
        message:
          '"__proto__" is reserved (JavaScript gives it a meaning of its own): choose another metric name',
      },
    ]);
  });

  it('skips what the schema reports: unparsable criteria, non-mapping stages and metrics', () => {
    expect(
      crossFieldIssues(file({ stages: ['x', 7], metrics: 'none', criteria: { advance: ['nope <> 1', 42] } })),
    ).toEqual([]);
  });
});

describe('isCountSource', () => {
  it.each([
    [{ query: 'sum:x{*}' }, true],
    [{ query: 'sum:x{*}', aggregator: 'sum' }, true],
    [{ query: 'avg:x{*}', aggregator: 'avg' }, false],
    [{ numerator: 'a', denominator: 'b' }, false],
    [{ logs: { search: 'x', aggregation: 'count' } }, true],
    [{ rum: { search: 'x', aggregation: 'cardinality', facet: '@usr.id' } }, true],
    [{ logs: 'x' }, false],
  ])('%j → %s', (source, expected) => {
    expect(isCountSource(source)).toBe(expected);
  });
});

describe('forEachCriterion, tryParse, valueOf', () => {
  it('visits every criterion that parses, advance first, with its index', () => {
    const seen: string[] = [];
    forEachCriterion(
      { criteria: { rollback: ['b > 1', 'bad <>', 'c > 2'], advance: ['a < 1', 7] } },
      (c, text, list, i) => seen.push(`${list}[${i}] ${c.metric} ${text}`),
    );
    expect(seen).toEqual(['advance[0] a a < 1', 'rollback[0] b b > 1', 'rollback[2] c c > 2']);
  });

  it('tryParse gives undefined instead of throwing', () => {
    expect(tryParse('error_rate > 5%')).toMatchObject({ metric: 'error_rate', op: '>', threshold: 0.05 });
    expect(tryParse('error_rate >> 5%')).toBeUndefined();
  });

  it.each([
    [{ a: 1 }, 'a', 1],
    [{ a: 1 }, 'b', undefined],
    [null, 'a', undefined],
    [[1], '0', undefined],
    ['text', 'length', undefined],
  ])('valueOf(%j, %s) is %j', (obj, key, expected) => {
    expect(valueOf(obj, key)).toBe(expected);
  });
});
