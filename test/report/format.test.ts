import { describe, expect, it } from 'vitest';
import { formatTime, formatValue } from '../../src/report/format.js';

/* The report's value and time formatting (src/report/format.ts). */

describe('formatting', () => {
  it.each([
    [0.031, true, '3.1%'],
    [0.05, true, '5%'],
    [0.123456, true, '12.35%'],
    [2, false, '2'],
    [1.23456, false, '1.235'],
  ])('formatValue(%d, %s) → %s', (v, pct, text) => {
    expect(formatValue(v, pct)).toBe(text);
  });

  it.each([
    ['2025-06-17T12:00:00.000Z', 'America/New_York', '2025-06-17 08:00 GMT-4'],
    ['2025-01-17T12:00:00.000Z', 'America/New_York', '2025-01-17 07:00 GMT-5'],
    ['2025-06-17T23:30:00.000Z', 'UTC', '2025-06-17 23:30 UTC'],
    ['2025-06-17T23:30:00.000Z', 'Asia/Kolkata', '2025-06-18 05:00 GMT+5:30'],
  ])('formatTime(%s, %s) → %s', (t, tz, text) => {
    expect(formatTime(t, tz)).toBe(text);
  });
});
