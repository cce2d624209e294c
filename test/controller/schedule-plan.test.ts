import { describe, expect, it } from 'vitest';
import cron from 'node-cron';
import { describePlan, planSchedule } from '../../src/controller/schedule-plan.js';

const s = 1_000;
const m = 60 * s;
const h = 60 * m;

describe('planSchedule', () => {
  it.each([
    [1 * s, 'cron', '* * * * * *'],
    [5 * s, 'cron', '*/5 * * * * *'],
    [30 * s, 'cron', '*/30 * * * * *'],
    [7 * s, 'timer', 7 * s],
    [45 * s, 'timer', 45 * s],
    [1500, 'timer', 1500],
    [1 * m, 'cron', '0 * * * * *'],
    [5 * m, 'cron', '0 */5 * * * *'],
    [15 * m, 'cron', '0 */15 * * * *'],
    [90 * s, 'timer', 90 * s],
    [7 * m, 'timer', 7 * m],
    [45 * m, 'timer', 45 * m],
    [1 * h, 'cron', '0 0 * * * *'],
    [6 * h, 'cron', '0 0 */6 * * *'],
    [5 * h, 'timer', 5 * h],
    [24 * h, 'cron', '0 0 0 * * *'],
    [48 * h, 'timer', 48 * h],
  ] as const)('every %i ms → %s %s', (everyMs, kind, value) => {
    const plan = planSchedule({ kind: 'every', everyMs });
    expect(plan).toEqual(kind === 'cron' ? { kind, cron: value } : { kind, everyMs: value });
    if (plan.kind === 'cron') expect(cron.validate(plan.cron)).toBe(true);
  });

  it('passes a cron schedule through unchanged', () => {
    expect(planSchedule({ kind: 'cron', cron: '*/5 9-17 * * 1-5' })).toEqual({
      kind: 'cron',
      cron: '*/5 9-17 * * 1-5',
    });
  });

  it('describes plans for logs', () => {
    expect(describePlan({ kind: 'cron', cron: '0 * * * * *' })).toBe('cron "0 * * * * *"');
    expect(describePlan({ kind: 'timer', everyMs: 90_000 })).toBe('every 90000 ms');
  });
});
