import { describe, expect, it } from 'vitest';
import { describeAdvanceWindow, insideAdvanceWindow, localClock } from '../../src/engine/local-time.js';
import type { AdvanceWindow } from '../../src/rollout/types.js';

const NY = 'America/New_York';
const WEEKDAYS_9_TO_5: AdvanceWindow = {
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  startMinute: 540,
  endMinute: 1020,
};
const at = (iso: string): number => Date.parse(iso);

describe('advanceDuring in America/New_York across DST changes', () => {
  it.each([
    // before spring forward (EST, UTC-5)
    ['2025-03-07T13:59:00Z', false, 'Fri 08:59 EST'],
    ['2025-03-07T14:00:00Z', true, 'Fri 09:00 EST'],
    ['2025-03-08T15:00:00Z', false, 'Sat 10:00 EST: weekend'],
    // after spring forward (EDT, UTC-4): a fixed -5 offset would get all of these wrong
    ['2025-03-10T12:59:00Z', false, 'Mon 08:59 EDT'],
    ['2025-03-10T13:00:00Z', true, 'Mon 09:00 EDT'],
    ['2025-03-10T20:59:00Z', true, 'Mon 16:59 EDT'],
    ['2025-03-10T21:00:00Z', false, 'Mon 17:00 EDT: the end is exclusive'],
    // around fall back
    ['2025-10-31T13:00:00Z', true, 'Fri 09:00 EDT'],
    ['2025-11-03T13:59:00Z', false, 'Mon 08:59 EST'],
    ['2025-11-03T14:00:00Z', true, 'Mon 09:00 EST'],
  ])('%s is inside: %s (%s)', (iso, inside) => {
    expect(insideAdvanceWindow(WEEKDAYS_9_TO_5, at(iso), NY)).toBe(inside);
  });

  it('the skipped hour of spring forward never matches; both 01:30s of fall back do', () => {
    const twoToThree: AdvanceWindow = { days: ['sun'], startMinute: 120, endMinute: 180 };
    expect(insideAdvanceWindow(twoToThree, at('2025-03-09T06:59:00Z'), NY)).toBe(false); // 01:59 EST
    expect(insideAdvanceWindow(twoToThree, at('2025-03-09T07:00:00Z'), NY)).toBe(false); // 03:00 EDT
    const oneToTwo: AdvanceWindow = { days: ['sun'], startMinute: 60, endMinute: 120 };
    expect(insideAdvanceWindow(oneToTwo, at('2025-11-02T05:30:00Z'), NY)).toBe(true); // 01:30 EDT
    expect(insideAdvanceWindow(oneToTwo, at('2025-11-02T06:30:00Z'), NY)).toBe(true); // 01:30 EST
  });
});

describe('windows past midnight belong to the day they start on', () => {
  const fridayNight: AdvanceWindow = { days: ['fri'], startMinute: 22 * 60, endMinute: 6 * 60 };
  it.each([
    ['2025-06-20T23:00:00-04:00', true, 'Fri 23:00'],
    ['2025-06-21T05:00:00-04:00', true, 'Sat 05:00, still Friday night'],
    ['2025-06-21T06:00:00-04:00', false, 'Sat 06:00'],
    ['2025-06-21T23:00:00-04:00', false, 'Sat 23:00'],
    ['2025-06-20T05:00:00-04:00', false, 'Fri 05:00 belongs to Thursday night'],
  ])('%s → %s (%s)', (iso, inside) => {
    expect(insideAdvanceWindow(fridayNight, at(iso), NY)).toBe(inside);
  });

  it('a window that starts where it ends is the whole day', () => {
    expect(
      insideAdvanceWindow({ days: ['mon'], startMinute: 0, endMinute: 0 }, at('2025-06-16T12:00:00Z'), 'UTC'),
    ).toBe(true);
  });
});

describe('localClock', () => {
  it('reads wall-clock time in the zone', () => {
    expect(localClock(at('2025-06-17T13:05:00Z'), NY)).toEqual({
      weekday: 'tue',
      minuteOfDay: 545,
      text: '2025-06-17 09:05',
    });
    expect(localClock(at('2025-01-06T00:30:00Z'), 'Asia/Kolkata')).toEqual({
      weekday: 'mon',
      minuteOfDay: 360,
      text: '2025-01-06 06:00',
    });
  });

  it('describes a window for reasons', () => {
    expect(describeAdvanceWindow(WEEKDAYS_9_TO_5)).toBe('mon,tue,wed,thu,fri 09:00-17:00');
  });
});
