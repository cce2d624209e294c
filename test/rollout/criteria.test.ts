import { describe, expect, it } from 'vitest';
import { formatCriterion, parseCriterion } from '../../src/rollout/criteria.js';
import { CriterionSyntaxError } from '../../src/rollout/errors.js';
import type { Criterion } from '../../src/rollout/types.js';

type Parsed = Omit<Criterion, 'text'>;

const valid: [string, Parsed][] = [
  ['error_rate < 5%', { metric: 'error_rate', op: '<', threshold: 0.05, percent: true, forChecks: 1 }],
  ['error_rate <= 5%', { metric: 'error_rate', op: '<=', threshold: 0.05, percent: true, forChecks: 1 }],
  ['click_through > 30%', { metric: 'click_through', op: '>', threshold: 0.3, percent: true, forChecks: 1 }],
  ['calls >= 2', { metric: 'calls', op: '>=', threshold: 2, percent: false, forChecks: 1 }],
  ['calls == 0', { metric: 'calls', op: '==', threshold: 0, percent: false, forChecks: 1 }],
  ['calls != 0', { metric: 'calls', op: '!=', threshold: 0, percent: false, forChecks: 1 }],
  [
    'error_rate > 5% for 2 checks',
    { metric: 'error_rate', op: '>', threshold: 0.05, percent: true, forChecks: 2 },
  ],
  [
    'error_rate > 5% for 1 check',
    { metric: 'error_rate', op: '>', threshold: 0.05, percent: true, forChecks: 1 },
  ],
  [
    'latency_p99 > 1.5 for 10 checks',
    { metric: 'latency_p99', op: '>', threshold: 1.5, percent: false, forChecks: 10 },
  ],
  ['delta < -3', { metric: 'delta', op: '<', threshold: -3, percent: false, forChecks: 1 }],
  ['error_rate<5%', { metric: 'error_rate', op: '<', threshold: 0.05, percent: true, forChecks: 1 }],
  [
    '  error_rate   <   0.5%  ',
    { metric: 'error_rate', op: '<', threshold: 0.005, percent: true, forChecks: 1 },
  ],
  ['error_rate > 0%', { metric: 'error_rate', op: '>', threshold: 0, percent: true, forChecks: 1 }],
  ['error_rate < 100%', { metric: 'error_rate', op: '<', threshold: 1, percent: true, forChecks: 1 }],
  ['_private2 > 0.25', { metric: '_private2', op: '>', threshold: 0.25, percent: false, forChecks: 1 }],
  ['rate > 5%\tfor\t3\tchecks', { metric: 'rate', op: '>', threshold: 0.05, percent: true, forChecks: 3 }],
  // for <duration>: seed 003's "latency > X seconds sustained for > X seconds"
  [
    'p95_latency > 2000 for 10m',
    { metric: 'p95_latency', op: '>', threshold: 2000, percent: false, forChecks: 1, forMs: 600_000 },
  ],
  [
    'error_rate > 5% for 1h30m',
    { metric: 'error_rate', op: '>', threshold: 0.05, percent: true, forChecks: 1, forMs: 5_400_000 },
  ],
  [
    'calls >= 2 for 90s',
    { metric: 'calls', op: '>=', threshold: 2, percent: false, forChecks: 1, forMs: 90_000 },
  ],
  [
    'rate > 5% for 10000 checks',
    { metric: 'rate', op: '>', threshold: 0.05, percent: true, forChecks: 10_000 },
  ],
];

describe('parseCriterion', () => {
  it.each(valid)('parses %j', (text, expected) => {
    expect(parseCriterion(text)).toEqual({ ...expected, text: text.trim() });
  });

  const invalid: [string, number, string][] = [
    ['', 1, 'empty criterion: expected <metric> <op> <number>[%] [for <n> checks | for <duration>]'],
    ['   ', 4, 'empty criterion: expected <metric> <op> <number>[%] [for <n> checks | for <duration>]'],
    ['5 < error_rate', 1, 'unexpected "5": expected a metric name (lowercase letters, digits and _)'],
    ['Error_rate < 5%', 1, 'unexpected "E": expected a metric name (lowercase letters, digits and _)'],
    ['error_rate', 11, 'unexpected end of criterion: expected an operator (<, <=, >, >=, ==, !=)'],
    ['error_rate 5%', 12, 'unexpected "5": expected an operator (<, <=, >, >=, ==, !=)'],
    ['error-rate < 5%', 6, 'unexpected "-": expected an operator (<, <=, >, >=, ==, !=)'],
    ['error_rate = 5%', 12, '"=" is not an operator: did you mean "=="?'],
    ['error_rate => 5%', 12, '"=>" is not an operator: did you mean ">="?'],
    ['error_rate =< 5%', 12, '"=<" is not an operator: did you mean "<="?'],
    ['error_rate <> 5%', 12, '"<>" is not an operator: did you mean "!="?'],
    ['error_rate === 5%', 12, '"===" is not an operator: did you mean "=="?'],
    ['error_rate !== 5%', 12, '"!==" is not an operator: did you mean "!="?'],
    ['error_rate >> 5%', 12, '">>" is not an operator: expected one of <, <=, >, >=, ==, !='],
    ['error_rate <', 13, 'unexpected end of criterion: expected a number, e.g. 5, 0.25 or 5%'],
    ['error_rate < five', 14, 'unexpected "f": expected a number, e.g. 5, 0.25 or 5%'],
    ['error_rate < .5', 14, 'unexpected ".": expected a number, e.g. 5, 0.25 or 5%'],
    ['error_rate < 5 %', 16, 'unexpected "%": write the % right after the number, e.g. 5%'],
    ['error_rate < 5%%', 16, 'unexpected "%": write a single % right after the number'],
    ['error_rate < 5x', 15, 'unexpected "x": expected %, " for <n> checks" or the end'],
    ['error_rate < 5%x', 16, 'unexpected "x": expected " for <n> checks" or the end'],
    ['error_rate < 5.', 15, 'unexpected ".": expected %, " for <n> checks" or the end'],
    [
      'error_rate < 5% during 2 checks',
      17,
      'unexpected "d": expected "for <n> checks", "for <duration>" or the end of the criterion',
    ],
    [
      'error_rate < 5% fore 2 checks',
      17,
      'unexpected "f": expected "for <n> checks", "for <duration>" or the end of the criterion',
    ],
    ['error_rate < 5% for', 20, 'unexpected end of criterion: expected a space after "for"'],
    [
      'error_rate < 5% for two checks',
      21,
      'unexpected "t": expected a whole number of checks or a duration, e.g. "for 2 checks" or "for 10m"',
    ],
    ['error_rate < 5% for 0 checks', 21, '"for" needs at least 1 check'],
    [
      'error_rate < 5% for 1.5 checks',
      22,
      'unexpected ".": expected a space, then "checks" (or a unit: "for 10m")',
    ],
    [
      'error_rate < 5% for 2',
      22,
      'unexpected end of criterion: expected a space, then "checks" (or a unit: "for 10m")',
    ],
    [
      'error_rate < 5% for 2 minutes',
      23,
      'unexpected "m": expected "checks", or a duration without a space, e.g. "for 2m"',
    ],
    ['error_rate < 5% for 2 checksum', 23, 'unexpected "c": expected "checks"'],
    ['error_rate < 5% for 0m', 21, '"for" needs a duration above 0'],
    ['error_rate < 5% for 10x', 23, 'unexpected "x": expected a space, then "checks" (or a unit: "for 10m")'],
    ['error_rate < 5% for 5m10h', 21, '"5m10h" is not a duration: write e.g. 90s, 10m, 1h30m'],
    ['error_rate < 5% for 31d', 21, '"for 31d" is longer than 30d: a typo?'],
    ['error_rate < 5% for 10m checks', 25, 'unexpected "c": expected the end of the criterion'],
    [
      'error_rate < 5% for 10001 checks',
      21,
      '"for" allows at most 10000 checks; use a duration for long waits',
    ],
    [
      'error_rate < 5% for 99999999999999999999 checks',
      21,
      '"for" allows at most 10000 checks; use a duration for long waits',
    ],
    ['error_rate < 5% for 2 checks!', 29, 'unexpected "!": expected the end of the criterion'],
    ['error_rate < 5% for 2 checks and more', 30, 'unexpected "a": expected the end of the criterion'],
    ['error_rate < 150%', 14, 'a percentage must be between 0% and 100%'],
    ['error_rate > -1%', 14, 'a percentage must be between 0% and 100%'],
    ['error_rate < 0%', 14, '"< 0%" can never hold: a ratio is between 0% and 100%'],
    ['error_rate > 100%', 14, '"> 100%" can never hold: a ratio is between 0% and 100%'],
    ['error_rate >= 0%', 15, '">= 0%" always holds: a ratio is between 0% and 100%'],
    ['error_rate <= 100%', 15, '"<= 100%" always holds: a ratio is between 0% and 100%'],
  ];

  it.each(invalid)('rejects %j at column %i', (text, column, reason) => {
    let caught: unknown;
    try {
      parseCriterion(text);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CriterionSyntaxError);
    const err = caught as CriterionSyntaxError;
    expect({ column: err.column, reason: err.reason }).toEqual({ column, reason });
    expect(err.code).toBe('E_SPEC_INVALID');
    expect(err.message).toBe(`criterion "${text}", column ${column}: ${reason}`);
  });
});

describe('formatCriterion', () => {
  it.each([
    ['error_rate < 5%', 'error_rate < 5%'],
    ['error_rate<0.1%', 'error_rate < 0.1%'],
    ['error_rate > 5% for 2 checks', 'error_rate > 5% for 2 checks'],
    ['error_rate > 5% for 1 check', 'error_rate > 5%'],
    ['p95_latency > 2000 for 600s', 'p95_latency > 2000 for 10m'],
    ['calls >= 2', 'calls >= 2'],
    ['rate > 33.333%', 'rate > 33.333%'],
  ])('%j reads back as %j', (text, expected) => {
    expect(formatCriterion(parseCriterion(text))).toBe(expected);
  });
});
