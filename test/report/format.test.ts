import { describe, expect, it } from 'vitest';
import { formatCount, formatTime, formatValue, inlineText } from '../../src/report/format.js';

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

describe('formatCount', () => {
  it.each([
    [0, '0'],
    [1500, '1,500'],
    [1234567, '1,234,567'],
    [2.5, '2.5'],
    [1.23456, '1.235'],
  ])('%d → %s', (n, text) => {
    expect(formatCount(n)).toBe(text);
  });
});

describe('inlineText', () => {
  it('keeps a reason on one line, so it cannot forge a report section', () => {
    expect(inlineText('paused\n## Rollback\r\n\tdone')).toBe('paused ## Rollback done');
  });

  it.each([
    ['code `x`', 'code \\`x\\`'],
    ['*bold* and [link](u)', '\\*bold\\* and \\[link\\](u)'],
    ['<img src=x> | cell', '\\<img src=x> \\| cell'],
    ['back\\slash', 'back\\\\slash'],
  ])('escapes inline markdown: %j', (text, escaped) => {
    expect(inlineText(text)).toBe(escaped);
  });

  it('drops control and invisible format characters', () => {
    expect(inlineText('a\u202Eb\u200Bc\u0007d')).toBe('abcd');
  });

  it('caps long text at 500 characters (code points) and marks the cut', () => {
    const out = inlineText('é'.repeat(600));
    expect([...out]).toHaveLength(501);
    expect(out.endsWith('…')).toBe(true);
    expect(inlineText('x'.repeat(500))).toBe('x'.repeat(500));
  });
});
