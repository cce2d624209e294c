import { describe, expect, it } from 'vitest';
import {
  cronProblem,
  hoursProblem,
  parseHours,
  percentDecimalsProblem,
  startProblem,
  timezoneProblem,
} from '../../src/rollout/field-checks.js';

describe('cronProblem', () => {
  it.each(['*/5 * * * *', '0 9 * * 1-5', '30 */10 * * * *', '  0 0 1 1 *  '])('accepts %j', (expr) => {
    expect(cronProblem(expr)).toBeUndefined();
  });

  it.each([
    ['* * * *', 'must have 5 fields (minute hour day month weekday) or 6 (with seconds first), got 4'],
    ['* * * * * * *', 'must have 5 fields (minute hour day month weekday) or 6 (with seconds first), got 7'],
    ['61 * * * *', '"61" is not valid in the minute field'],
    ['* 25 * * *', '"25" is not valid in the hour field'],
    ['* * * * 8', '"8" is not valid in the day of week field'],
  ])('%j: %s', (expr, message) => {
    expect(cronProblem(expr)).toBe(message);
  });
});

describe('timezoneProblem', () => {
  it.each(['America/New_York', 'UTC', 'Europe/Berlin'])('accepts %s', (tz) => {
    expect(timezoneProblem(tz)).toBeUndefined();
  });

  it.each([
    ['America/NewYork', 'unknown time zone "America/NewYork" (did you mean "America/New_York"?)'],
    ['Mars/Olympus_Mons', 'unknown time zone "Mars/Olympus_Mons"'],
  ])('%s: %s', (tz, message) => {
    expect(timezoneProblem(tz)).toBe(message);
    // the second look is answered from the cache, the same
    expect(timezoneProblem(tz)).toBe(message);
  });
});

describe('parseHours and hoursProblem', () => {
  it.each([
    ['09:00-17:00', { startMinute: 540, endMinute: 1020 }],
    ['00:00-24:00', { startMinute: 0, endMinute: 1440 }],
    ['9:00-17:00', undefined],
    ['09:00', undefined],
  ])('parseHours(%j) is %j', (hours, expected) => {
    expect(parseHours(hours)).toEqual(expected);
  });

  it.each([
    ['09:00-17:00', undefined],
    ['00:00-24:00', undefined],
    ['10:00-24:01', 'the end can be at most 24:00'],
    [
      '17:00-09:00',
      'the start must be before the end (a window across midnight is not supported: split the days instead)',
    ],
    [
      '09:00-09:00',
      'the start must be before the end (a window across midnight is not supported: split the days instead)',
    ],
    ['nonsense', undefined], // the schema's pattern reports it
  ])('hoursProblem(%j) is %j', (hours, expected) => {
    expect(hoursProblem(hours)).toBe(expected);
  });
});

describe('percentDecimalsProblem', () => {
  it.each([[10], [0.5], [12.345], [0.001], [100], [33.333]])('%s has at most 3 decimals', (percent) => {
    expect(percentDecimalsProblem(percent)).toBeUndefined();
  });

  it.each([[12.3456], [0.0001], [33.3333]])('%s has too many', (percent) => {
    expect(percentDecimalsProblem(percent)).toBe('must have at most 3 decimals');
  });
});

describe('startProblem', () => {
  it.each([
    [
      '2025-06-17T08:00',
      'the timestamp needs a UTC offset, e.g. 2025-06-17T08:00-04:00 or 2025-06-17T08:00Z',
    ],
    [
      '2025-06-17 08:00:30',
      'the timestamp needs a UTC offset, e.g. 2025-06-17T08:00:30-04:00 or 2025-06-17T08:00:30Z',
    ],
    [
      'soon',
      'must be immediately, manual or an ISO 8601 timestamp with offset, e.g. 2025-06-17T08:00:00-04:00',
    ],
    [42, 'must be immediately, manual or an ISO 8601 timestamp with offset, e.g. 2025-06-17T08:00:00-04:00'],
  ])('%j: %s', (input, message) => {
    expect(startProblem(input)).toBe(message);
  });
});
