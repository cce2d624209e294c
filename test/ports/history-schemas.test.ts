import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  criterionSchema,
  decisionSchema,
  errorCountSchema,
  lenientArray,
  lenientRecord,
  measurementSchema,
  resultSchema,
} from '../../src/ports/history-schemas.js';

/* The lenient parts of a check's detail (src/ports/history-schemas.ts). */

describe('criterionSchema and decisionSchema', () => {
  it('read v 0 text and words as the current objects', () => {
    expect(criterionSchema.parse('error_rate < 5%')).toEqual({
      text: 'error_rate < 5%',
      metric: 'error_rate',
      percent: true,
    });
    expect(criterionSchema.parse({ text: 'calls < 2', metric: 'calls' })).toEqual({
      text: 'calls < 2',
      metric: 'calls',
      percent: false,
    });
    expect(decisionSchema.parse('hold')).toEqual({ action: 'hold', reasons: [] });
    expect(decisionSchema.parse({ action: 'advance', reasons: 'not a list' })).toEqual({
      action: 'advance',
      reasons: [],
    });
  });
});

describe('resultSchema', () => {
  it('a bad value, interval or reason is null; the criterion, kind and verdict are required', () => {
    const parsed = resultSchema.parse({
      criterion: 'error_rate < 5%',
      kind: 'advance',
      verdict: 'pass',
      value: Number.NaN,
      interval: [0, 'x'],
    });
    expect(parsed).toMatchObject({ verdict: 'pass', value: null, interval: null, reason: null });
    expect(resultSchema.safeParse({ criterion: 'x', kind: 'sideways', verdict: 'pass' }).success).toBe(false);
  });
});

describe('measurementSchema and errorCountSchema', () => {
  it('refuse non-finite values and negative counts', () => {
    expect(measurementSchema.safeParse({ kind: 'value', value: Infinity }).success).toBe(false);
    expect(measurementSchema.parse({ kind: 'no-data', reason: 'none' })).toEqual({
      kind: 'no-data',
      reason: 'none',
    });
    expect(errorCountSchema.safeParse({ message: 'x', count: -1 }).success).toBe(false);
  });
});

describe('lenientRecord and lenientArray', () => {
  it('drop the elements that do not parse and keep the rest, in order', () => {
    expect(lenientRecord(z.number()).parse({ a: 1, b: 'two', c: 3 })).toEqual({ a: 1, c: 3 });
    expect(
      lenientArray(errorCountSchema).parse([{ message: 'a', count: 1 }, 'junk', { message: 'b', count: 2 }]),
    ).toEqual([
      { message: 'a', count: 1 },
      { message: 'b', count: 2 },
    ]);
    expect(lenientArray(z.number()).safeParse('not a list').success).toBe(false);
  });
});
