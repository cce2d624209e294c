import { describe, expect, it } from 'vitest';
import {
  criterionSchema,
  DAYS,
  GATES,
  METRIC_NAME_PATTERN,
  NAME_PATTERN,
  rolloutFileSchema,
} from '../../src/rollout/schema.js';
import { decide, SEQUENTIAL_DECISIONS, ZERO_COUNTERS } from '../../src/engine/decide.js';
import { parseRolloutText } from '../../src/rollout/loader.js';
import { problemsIn, rolloutText } from './rollout-text.js';

/*
 * The rollout file's structure and single-value rules, on the schema itself
 * (the loader's tests place the same problems at line:col).
 */

const MINIMAL = {
  name: 'tiny',
  toggle: { provider: 'local', feature: 'f' },
  check: { every: '1m' },
  stages: [{ name: 'all', percent: 100 }],
};

function messages(over: Record<string, unknown>): string[] {
  const result = rolloutFileSchema.safeParse({ ...MINIMAL, ...over });
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('names', () => {
  it.each([
    ['a', true],
    ['event-bus-gateway-emails', true],
    ['a1-b2', true],
    ['x'.repeat(63), true],
    ['x'.repeat(64), false],
    ['-lead', false],
    ['trail-', false],
    ['Upper', false],
    ['under_score', false],
  ])('rollout and stage name %j: %s', (name, ok) => {
    expect(NAME_PATTERN.test(name)).toBe(ok);
  });

  it.each([
    ['error_rate', true],
    ['_private', true],
    ['p99', true],
    ['9lives', false],
    ['Error_rate', false],
    ['dash-ed', false],
    [`a${'b'.repeat(63)}`, true],
    [`a${'b'.repeat(64)}`, false],
  ])('metric name %j: %s', (name, ok) => {
    expect(METRIC_NAME_PATTERN.test(name)).toBe(ok);
  });

  it('lists the days and gates the file may name', () => {
    expect(DAYS).toEqual(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
    expect(GATES).toEqual(['percentage_of_actors', 'percentage_of_time']);
  });
});

describe('criterionSchema', () => {
  it('accepts a criterion and refuses a malformed one with the column of the fault', () => {
    expect(criterionSchema.safeParse('error_rate > 5% for 2 checks').success).toBe(true);
    const result = criterionSchema.safeParse('error_rate >> 5%');
    expect(result.success).toBe(false);
    const issue = result.error?.issues[0] as { code: string; params?: { column?: number } } | undefined;
    expect(issue?.code).toBe('custom');
    expect(issue?.params?.column).toBeGreaterThan(10);
  });
});

describe('rolloutFileSchema', () => {
  it('fills the defaults of a minimal file', () => {
    expect(rolloutFileSchema.parse(MINIMAL)).toEqual({
      name: 'tiny',
      toggle: {
        provider: 'local',
        feature: 'f',
        gate: 'percentage_of_actors',
        onRollback: 'zero',
        onComplete: 'keep',
      },
      start: 'immediately',
      check: { every: '1m', timezone: 'UTC' },
      stages: [{ name: 'all', percent: 100, minDuration: '0s', approval: 'none' }],
      metrics: {},
      criteria: { advance: [], rollback: [] },
      policy: { noData: 'hold', maxConsecutiveErrors: 4, confidence: 0.95 },
      postLaunch: [],
      notify: [],
    });
  });

  it.each([
    [{ name: 'Tiny' }, ['name: must be lowercase letters, digits and dashes (max 63)']],
    [{ stages: [] }, ['stages: Too small: expected array to have >=1 items']],
    [{ stages: [{ name: 'a', percent: 0 }] }, ['stages.0.percent: Too small: expected number to be >0']],
    [{ stages: [{ name: 'a', percent: 101 }] }, ['stages.0.percent: Too big: expected number to be <=100']],
    [{ stages: [{ name: 'a', percent: 12.3456 }] }, ['stages.0.percent: must have at most 3 decimals']],
    [
      { stages: [{ name: 'a', percent: 10, approval: 'yes' }] },
      ['stages.0.approval: Invalid option: expected one of "required"|"none"'],
    ],
    [
      { start: '2025-06-17T08:00' },
      ['start: the timestamp needs a UTC offset, e.g. 2025-06-17T08:00-04:00 or 2025-06-17T08:00Z'],
    ],
    [
      { start: 'later' },
      [
        'start: must be immediately, manual or an ISO 8601 timestamp with offset, e.g. 2025-06-17T08:00:00-04:00',
      ],
    ],
    [{ check: { every: '2d' } }, ['check.every: check.every must be at most 1d (got 2d): a typo?']],
    [
      { check: { cron: '* * *' } },
      ['check.cron: must have 5 fields (minute hour day month weekday) or 6 (with seconds first), got 3'],
    ],
    [{ check: { every: '1m', timezone: 'Mars/Base' } }, ['check.timezone: unknown time zone "Mars/Base"']],
    [
      { check: { every: '1m', advanceDuring: { hours: '9-17' } } },
      ['check.advanceDuring.hours: must be "HH:MM-HH:MM", e.g. "09:00-17:00"'],
    ],
    [
      { check: { every: '1m', advanceDuring: { days: [] } } },
      ['check.advanceDuring.days: Too small: expected array to have >=1 items'],
    ],
    [{ policy: { confidence: 0.5 } }, ['policy.confidence: Too small: expected number to be >0.5']],
    [
      { policy: { maxConsecutiveErrors: 0 } },
      ['policy.maxConsecutiveErrors: Too small: expected number to be >=1'],
    ],
    [
      { metrics: { 'Bad-Name': { datadog: { query: 'q' } } } },
      // zod wraps the key's own message; zod-issues.ts unwraps it for the loader
      ['metrics.Bad-Name: Invalid key in record'],
    ],
    [
      { toggle: { provider: 'local', feature: 'x'.repeat(201) } },
      ['toggle.feature: Too big: expected string to have <=200 characters'],
    ],
    [{ postLaunch: ['0s'] }, ['postLaunch.0: postLaunch of 0 is not allowed: it must be at least 1s']],
    [{ stagess: [] }, [': Unrecognized key: "stagess"']],
  ])('%j → %j', (over, expected) => {
    expect(messages(over)).toEqual(expected);
  });

  it('accepts a start timestamp with an offset, and the optional create flag', () => {
    expect(
      messages({
        start: '2025-06-17T08:00:00-04:00',
        toggle: { provider: 'local', feature: 'f', create: true },
      }),
    ).toEqual([]);
  });
});

describe('metric names', () => {
  it("keeps the key's own message inside the record issue", () => {
    const result = rolloutFileSchema.safeParse({
      ...MINIMAL,
      metrics: { 'Bad-Name': { datadog: { query: 'q' } } },
    });
    const issue = result.error?.issues[0] as { issues?: { message: string }[] } | undefined;
    expect(issue?.issues?.map((i) => i.message)).toEqual([
      'must be lowercase letters, digits and _ (max 64)',
    ]);
  });
});

// issue 10/11, through the loader so the positions are asserted too
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
    expect(problemsIn(rolloutText(parts))).toEqual([expected]);
  });
});

describe('metric names that are Object.prototype keys', () => {
  it('__proto__ is refused as a metric name with a message (a parsed mapping cannot hold it as a key)', () => {
    const text = rolloutText({
      metrics: '  __proto__:\n    datadog: { query: "q", aggregator: sum }',
      criteria: '  advance: []',
    });
    expect(problemsIn(text)).toEqual([
      'r.yaml:8:3: metrics.__proto__: "__proto__" is reserved (JavaScript gives it a meaning of its own): choose another metric name',
    ]);
  });

  it.each(['constructor', 'hasownproperty', 'valueof'])(
    '%s validates, loads as an own key, and is decided on',
    (name) => {
      const text = rolloutText({
        metrics: `  ${name}:\n    datadog: { numerator: "a", denominator: "b" }`,
        criteria: `  advance: ["${name} < 5%"]\n  rollback: ["${name} > 5%"]`,
      });
      expect(problemsIn(text)).toEqual([]);
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
    const text = rolloutText({
      metrics: '  toString:\n    datadog: { query: "q", aggregator: sum }',
      criteria: '  advance: []',
    });
    expect(problemsIn(text)).toEqual([
      'r.yaml:8:3: metrics.toString: must be lowercase letters, digits and _ (max 64)',
    ]);
  });
});
