import { describe, expect, it } from 'vitest';
import { decide, SEQUENTIAL_DECISIONS, ZERO_COUNTERS } from '../../src/engine/decide.js';
import { formatProblem } from '../../src/rollout/errors.js';
import { checkRolloutText, parseRolloutText } from '../../src/rollout/loader.js';

/*
 * Issue 10/11: absurd values refused with clear messages, noData: zero only
 * for counts, the window: stage warning, failingFor/onFailing, and metric
 * names that are Object.prototype keys.
 */

function file(parts: {
  check?: string;
  stages?: string;
  metrics?: string;
  criteria?: string;
  policy?: string;
}): string {
  return `name: limits
toggle: { provider: local, feature: f }
check: ${parts.check ?? '{ every: 5m }'}
stages:
${parts.stages ?? '  - { name: canary, percent: 2, minDuration: 1h }\n  - { name: full, percent: 100 }'}
metrics:
${parts.metrics ?? '  calls:\n    datadog: { query: "sum:calls{*}.as_count()", aggregator: sum }'}
criteria:
${parts.criteria ?? '  advance: [calls < 2]'}
${parts.policy === undefined ? '' : `policy: ${parts.policy}`}
`;
}

function problems(text: string): string[] {
  return checkRolloutText(text, 'r.yaml').problems.map(formatProblem);
}

describe('absurd values are refused with a message that says the bound', () => {
  it.each([
    [
      { check: '{ every: 0s }' },
      'r.yaml:3:17: check.every: check.every of 0 is not allowed: it must be at least 1s',
    ],
    [
      { check: '{ every: 500ms }' },
      'r.yaml:3:17: check.every: must be a duration like 90s, 15m, 4h, 1h30m or 2d',
    ],
    [
      { check: '{ every: 30d }' },
      'r.yaml:3:17: check.every: check.every must be at most 1d (got 30d): a typo?',
    ],
    [
      { stages: '  - { name: all, percent: 100, minDuration: 400d }' },
      'r.yaml:5:45: stages[0].minDuration: minDuration must be at most 365d (got 400d): a typo?',
    ],
    [
      { metrics: '  calls:\n    datadog: { query: "q", aggregator: sum }\n    window: 0m' },
      'r.yaml:10:13: metrics.calls.window: a window of 0 holds no data: use e.g. 15m, or stage',
    ],
    [
      { criteria: '  rollback: ["calls > 2 for 99999999999999999999 checks"]' },
      'r.yaml:11:29: criteria.rollback[0]: "for" allows at most 10000 checks; use a duration for long waits',
    ],
    [
      { policy: '{ failingFor: 0s }' },
      'r.yaml:12:23: policy.failingFor: failingFor of 0 is not allowed: it must be at least 1s',
    ],
    [
      { policy: '{ maxStageDuration: 1000d }' },
      'r.yaml:12:29: policy.maxStageDuration: maxStageDuration must be at most 365d (got 1000d): a typo?',
    ],
    [
      { policy: '{ onFailing: explode }' },
      'r.yaml:12:22: policy.onFailing: must be one of pause, rollback, hold, got "explode"',
    ],
  ])('%j', (parts, expected) => {
    expect(problems(file(parts))).toEqual([expected]);
  });
});

describe('noData: zero', () => {
  it('is accepted for a sum and for logs/rum counts, and reaches the Rollout', () => {
    const text = file({
      metrics: [
        '  calls:',
        '    datadog: { query: "sum:calls{*}.as_count()", aggregator: sum }',
        '    noData: zero',
        '  events:',
        '    datadog: { logs: { search: "service:x" } }',
        '    noData: zero',
      ].join('\n'),
    });
    expect(problems(text)).toEqual([]);
    const r = parseRolloutText(text, 'r.yaml');
    expect(r.metrics.calls?.noData).toBe('zero');
    expect(r.metrics.events?.noData).toBe('zero');
  });

  it.each([
    [
      '    datadog: { numerator: "a", denominator: "b" }',
      'noData: zero is refused here: a ratio with no data has no denominator: 0 of 0 is not a rate (no data stays no data)',
    ],
    [
      '    datadog: { query: "avg:lat{*}", aggregator: avg }',
      'noData: zero is refused here: aggregator avg of nothing is not 0: only counts (aggregator sum, logs/rum) may read no data as zero',
    ],
  ])('is refused for %s', (source, message) => {
    const text = file({ metrics: `  calls:\n${source}\n    noData: zero`, criteria: '  advance: []' });
    expect(problems(text)).toEqual([`r.yaml:10:13: metrics.calls.noData: ${message}`]);
  });

  it('leaves the spec hash of files that do not use the new fields alone', () => {
    const plain = parseRolloutText(file({}), 'r.yaml');
    expect(plain.metrics.calls).not.toHaveProperty('noData');
    expect(plain.policy).not.toHaveProperty('failingForMs');
    expect(plain.policy).not.toHaveProperty('onFailing');
  });
});

describe('policy.failingFor / onFailing', () => {
  it('reach the Rollout in ms', () => {
    const r = parseRolloutText(file({ policy: '{ failingFor: 2h, onFailing: rollback }' }), 'r.yaml');
    expect(r.policy).toMatchObject({ failingForMs: 7_200_000, onFailing: 'rollback' });
  });
});

describe('validate warns about counts over a long stage', () => {
  it('warns (not an error) when a count criterion reads window: stage in a stage longer than a day', () => {
    const check = checkRolloutText(
      file({ stages: '  - { name: canary, percent: 2, minDuration: 7d }\n  - { name: full, percent: 100 }' }),
      'r.yaml',
    );
    expect(check.problems).toEqual([]);
    expect(check.rollout).toBeDefined();
    expect(check.warnings.map(formatProblem)).toEqual([
      'r.yaml:11:13: criteria.advance[0]: warning: calls counts over window: stage, and stages[0] lasts 7d: the count accumulates for the whole stage; a sliding window (e.g. window: 1d) is usually meant',
    ]);
  });

  it('does not warn for a sliding window or short stages', () => {
    expect(checkRolloutText(file({}), 'r.yaml').warnings).toEqual([]);
    const sliding = file({
      stages: '  - { name: canary, percent: 2, minDuration: 7d }\n  - { name: full, percent: 100 }',
      metrics: '  calls:\n    datadog: { query: "q", aggregator: sum }\n    window: 1d',
    });
    expect(checkRolloutText(sliding, 'r.yaml').warnings).toEqual([]);
  });
});

describe('metric names that are Object.prototype keys', () => {
  it('__proto__ is refused as a metric name with a message (a parsed mapping cannot hold it as a key)', () => {
    const text = file({
      metrics: '  __proto__:\n    datadog: { query: "q", aggregator: sum }',
      criteria: '  advance: []',
    });
    expect(problems(text)).toEqual([
      'r.yaml:8:3: metrics.__proto__: "__proto__" is reserved (JavaScript gives it a meaning of its own): choose another metric name',
    ]);
  });

  it.each(['constructor', 'hasownproperty', 'valueof'])(
    '%s validates, loads as an own key, and is decided on',
    (name) => {
      const text = file({
        metrics: `  ${name}:\n    datadog: { numerator: "a", denominator: "b" }`,
        criteria: `  advance: ["${name} < 5%"]\n  rollback: ["${name} > 5%"]`,
      });
      expect(problems(text)).toEqual([]);
      const r = parseRolloutText(text, 'r.yaml');
      expect(Object.keys(r.metrics)).toEqual([name]);
      const measurements = Object.fromEntries([
        [name, { kind: 'ratio' as const, numerator: 1, denominator: 2000, value: 0.0005 }],
      ]);
      const d = decide(
        {
          rollout: r,
          now: 10 * 3_600_000,
          stageIndex: 0,
          stageStartedAt: 0,
          stageDeadline: null,
          approved: false,
          counters: ZERO_COUNTERS,
          measurements,
        },
        undefined,
        SEQUENTIAL_DECISIONS,
      );
      expect(d.results.map((x) => x.verdict)).toEqual(['ok', 'pass']);
    },
  );

  it('toString is refused as a metric name, with a message rather than a crash', () => {
    const text = file({
      metrics: '  toString:\n    datadog: { query: "q", aggregator: sum }',
      criteria: '  advance: []',
    });
    expect(problems(text)).toEqual([
      'r.yaml:8:3: metrics.toString: must be lowercase letters, digits and _ (max 64)',
    ]);
  });
});
