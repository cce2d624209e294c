import { describe, expect, it } from 'vitest';
import { cappedWaitMs, DEFAULT_MAX_RATE_LIMIT_WAIT_MS, headerWaitMs } from '../../src/http/retry-after.js';

// Reference: Python 3.11 email.utils.parsedate_to_datetime('Wed, 21 Oct 2015 07:28:00 GMT') = 1445412480 s
const DATE_S = 1_445_412_480;
const NOW = DATE_S * 1000 - 30_000;

describe('headerWaitMs', () => {
  it.each([
    ['0 seconds', '0', 0],
    ['seconds with spaces around', '  120 ', 120_000],
    ['a fraction of a second', '0.25', 250],
    // 999,999,999 s is still "seconds from now": just under the epoch-seconds bound
    ['the largest delay in seconds', '999999999', 999_999_999_000],
    ['epoch seconds 30 s ahead', String(DATE_S), 30_000],
    ['epoch seconds (fractional)', String(DATE_S - 29.5), 500],
    ['epoch milliseconds 30 s ahead', String(DATE_S * 1000), 30_000],
    ['epoch seconds in the past', String(DATE_S - 90), 0],
    ['epoch milliseconds in the past', String(NOW - 1), 0],
    ['an HTTP date (RFC 9110 example)', 'Wed, 21 Oct 2015 07:28:00 GMT', 30_000],
    ['an HTTP date in the past', 'Wed, 21 Oct 2015 07:00:00 GMT', 0],
  ])('%s: %j → %i ms', (_what, raw, expected) => {
    expect(headerWaitMs(raw, NOW)).toBe(expected);
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['only spaces', '  '],
    ['negative', '-1'],
    ['a number with a unit', '10s'],
    ['hex', '0x10'],
    ['an unreadable date', 'Someday, soon'],
    ['punctuation', '1,000'],
  ])('%s is unreadable: undefined', (_what, raw) => {
    expect(headerWaitMs(raw, NOW)).toBeUndefined();
  });
});

describe('cappedWaitMs', () => {
  it.each([
    [5_000, 30_000, { waitMs: 5_000, requestedMs: 5_000, capped: false }],
    [30_000, 30_000, { waitMs: 30_000, requestedMs: 30_000, capped: false }],
    [30_001, 30_000, { waitMs: 30_000, requestedMs: 30_001, capped: true }],
    [0, 30_000, { waitMs: 0, requestedMs: 0, capped: false }],
    // a negative cap (a check interval already spent) means: do not wait at all
    [10, -5, { waitMs: 0, requestedMs: 10, capped: true }],
  ])('%i ms under a cap of %i ms → %j', (requested, cap, expected) => {
    expect(cappedWaitMs(requested, cap)).toEqual(expected);
  });

  it('defaults to 30 seconds', () => {
    expect(DEFAULT_MAX_RATE_LIMIT_WAIT_MS).toBe(30_000);
  });
});
