import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  boundedDuration,
  DURATION_LIMITS,
  duration,
  durationSchema,
  refineWith,
} from '../../src/rollout/schema-durations.js';

function messages(schema: z.ZodType, value: unknown): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : result.error.issues.map((i) => i.message);
}

describe('durationSchema', () => {
  it.each(['90s', '15m', '4h', '1h30m', '2d', '0s'])('accepts %s', (text) => {
    expect(messages(durationSchema, text)).toEqual([]);
  });

  it.each(['', '15', '1m1h', '1.5h', '-5m', '5 m'])('refuses %j', (text) => {
    expect(messages(durationSchema, text)).toEqual(['must be a duration like 90s, 15m, 4h, 1h30m or 2d']);
  });

  it('carries its own message when built with duration()', () => {
    expect(messages(duration('a window like 1h'), 'soon')).toEqual(['a window like 1h']);
  });

  it('documents the pattern in the JSON Schema', () => {
    const json = z.toJSONSchema(durationSchema) as { pattern?: string; examples?: unknown[] };
    expect(json.pattern).toBe('^(\\d+d)?(\\d+h)?(\\d+m)?(\\d+s)?$');
    expect(json.examples).toContain('1h30m');
  });
});

describe('boundedDuration', () => {
  it.each([
    ['every', DURATION_LIMITS.every, '1s', []],
    ['every', DURATION_LIMITS.every, '1d', []],
    ['every', DURATION_LIMITS.every, '0s', ['every of 0 is not allowed: it must be at least 1s']],
    ['every', DURATION_LIMITS.every, '1d1s', ['every must be at most 1d (got 1d1s): a typo?']],
    ['every', DURATION_LIMITS.every, '30d', ['every must be at most 1d (got 30d): a typo?']],
    ['window', DURATION_LIMITS.window, '91d', ['window must be at most 90d (got 91d): a typo?']],
    ['minDuration', DURATION_LIMITS.minDuration, '0s', []],
    [
      'minDuration',
      DURATION_LIMITS.minDuration,
      '366d',
      ['minDuration must be at most 365d (got 366d): a typo?'],
    ],
    ['failingFor', DURATION_LIMITS.failingFor, '31d', ['failingFor must be at most 30d (got 31d): a typo?']],
    ['postLaunch', DURATION_LIMITS.postLaunch, '400d', []],
    ['every', DURATION_LIMITS.every, 'soon', ['must be a duration like 90s, 15m, 4h, 1h30m or 2d']],
  ])('%s %j %s → %j', (what, limits, text, expected) => {
    expect(messages(boundedDuration(limits, what), text)).toEqual(expected);
  });

  it('says "at least" without the 0 wording when the minimum is above a second', () => {
    expect(messages(boundedDuration({ min: 60_000, max: 3_600_000 }, 'interval'), '30s')).toEqual([
      'interval must be at least 1m',
    ]);
    expect(messages(boundedDuration({ min: 60_000, max: 3_600_000 }, 'interval'), '0s')).toEqual([
      'interval must be at least 1m',
    ]);
  });
});

describe('refineWith', () => {
  it('turns a check message into a custom issue on the value, and passes undefined', () => {
    const schema = z
      .string()
      .superRefine(refineWith((v) => (v.startsWith('x') ? 'must not start with x' : undefined)));
    expect(schema.safeParse('ok').success).toBe(true);
    const result = schema.safeParse('xyz');
    expect(result.success).toBe(false);
    expect(result.error?.issues).toMatchObject([
      { code: 'custom', message: 'must not start with x', path: [] },
    ]);
  });
});
