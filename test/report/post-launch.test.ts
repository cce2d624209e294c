import { describe, expect, it } from 'vitest';
import { postLaunchLabel, postLaunchOf } from '../../src/report/post-launch.js';
import { checksOf } from '../../src/report/criteria-outcomes.js';
import { ERROR_RATE, START, check } from './fixtures.js';

/* The post-launch check-ins of the report (src/report/post-launch.ts). */

const WEEK = 7 * 86_400_000;

describe('postLaunchLabel', () => {
  it.each([
    [WEEK, '1-week'],
    [2 * WEEK, '2-week'],
    [30 * 86_400_000, '1-month'],
    [60 * 86_400_000, '2-month'],
    [10 * 86_400_000, '10d after launch'],
    [36 * 3_600_000, '1d12h after launch'],
  ])('%d ms → %s', (ms, label) => {
    expect(postLaunchLabel(ms)).toBe(label);
  });
});

describe('postLaunchOf', () => {
  const refs = [{ text: ERROR_RATE.text, kind: 'advance' as const, percent: true }];
  const obs = { sent: 500, failed: 5, clicks: 0, delivered: 1, calls: 0 };

  it('each offset: due after completion, measured by its own check-ins only', () => {
    const entries = [
      check(START + WEEK, 'stage-e', 100, obs, 'hold', {
        postLaunchMs: WEEK,
        errors: [{ message: 'timeout', count: 2 }],
      }),
    ];
    const checks = checksOf(entries).map((c) => ({ ...c, offsetMs: WEEK }));
    const [week, month] = postLaunchOf([WEEK, 30 * 86_400_000], checks, START, refs, 'sent');
    expect(week).toMatchObject({
      label: '1-week',
      offset: '7d',
      dueAt: new Date(START + WEEK).toISOString(),
      measuredAt: new Date(START + WEEK).toISOString(),
      uniqueUsers: 500,
      errors: [{ message: 'timeout', count: 2 }],
    });
    expect(week?.criteria.map((c) => [c.text, c.met])).toEqual([[ERROR_RATE.text, true]]);
    expect(month).toMatchObject({
      label: '1-month',
      measuredAt: null,
      uniqueUsers: null,
      criteria: [],
      errors: null,
    });
  });

  it('nothing is due before the rollout completes', () => {
    expect(postLaunchOf([WEEK], [], null, refs, null)[0]?.dueAt).toBeNull();
  });
});
