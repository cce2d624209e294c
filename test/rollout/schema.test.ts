import { describe, expect, it } from 'vitest';
import {
  criterionSchema,
  DAYS,
  GATES,
  METRIC_NAME_PATTERN,
  NAME_PATTERN,
  rolloutFileSchema,
} from '../../src/rollout/schema.js';

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
