import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkRecord, issuesLine, recordSchema } from '../../src/ports/record-schema.js';
import { record } from '../store/helpers.js';
import { thrown } from '../stagegate-error.js';

const FRACTIONAL = 1_764_650_000_000.5;

describe('checkRecord', () => {
  it.each([
    ['updatedAt', { updatedAt: FRACTIONAL }],
    ['summary.lastCheck', { summary: { ...record('x').summary, lastCheck: FRACTIONAL } }],
    [
      'intent.at',
      {
        intent: {
          id: 'i1',
          action: 'set' as const,
          percent: 2,
          gate: 'percentage_of_actors' as const,
          at: FRACTIONAL,
        },
      },
    ],
  ])('refuses a fractional epoch in %s, naming the field and the value', (field, overrides) => {
    const err = thrown(() => checkRecord(record('checkout', overrides)));
    expect(err.code).toBe('E_RECORD_INVALID');
    expect(err.details).toMatchObject({ name: 'checkout', field, value: FRACTIONAL });
    expect(err.message).toContain(`${field}: 1764650000000.5 is not a whole number of epoch milliseconds`);
    expect(err.message).toContain('rollout checkout');
  });

  it('refuses a time beyond the safe integers and a non-number', () => {
    expect(thrown(() => checkRecord(record('a', { updatedAt: 2 ** 60 }))).details.field).toBe('updatedAt');
    const wrongType = thrown(() =>
      checkRecord(record('a', { updatedAt: '2025-01-01' as unknown as number })),
    );
    expect(wrongType.code).toBe('E_RECORD_INVALID');
    expect(wrongType.details).toMatchObject({ field: 'updatedAt', value: '2025-01-01' });
  });

  it('accepts a never-saved record (version 0) but not a negative version', () => {
    expect(() => checkRecord(record('a', { version: 0, updatedAt: 0 }))).not.toThrow();
    expect(thrown(() => checkRecord(record('a', { version: -1 }))).details.field).toBe('version');
  });
});

describe('recordSchema / issuesLine', () => {
  it('keeps unknown keys and needs a saved version', () => {
    const parsed = recordSchema.safeParse({ ...record('a', { version: 1 }), later: 1 });
    expect(parsed.success && parsed.data.later).toBe(1);
    expect(recordSchema.safeParse(record('a', { version: 0 })).success).toBe(false);
  });

  it('puts every issue on one line, each with its path', () => {
    const parsed = z
      .object({ a: z.string(), b: z.object({ c: z.int() }) })
      .safeParse({ a: 1, b: { c: 1.5 } });
    expect(parsed.success).toBe(false);
    if (!parsed.success)
      expect(issuesLine(parsed.error)).toBe(
        'a: Invalid input: expected string, received number; b.c: Invalid input: expected int, received number',
      );
  });
});
