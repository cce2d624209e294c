import type { Schedule } from '../rollout/types.js';

/*
 * How a rollout's `check` schedule is run. node-cron runs cron expressions
 * (with a seconds field), but a cron expression can only express an interval
 * that divides the next larger unit evenly: `*\/7 * * * * *` fires at :00, :07,
 * … :56 and then :00 again, a 4 s gap. So `every` becomes cron only when the
 * interval divides its unit (1–30 s dividing 60, 1–30 min dividing 60, 1–12 h
 * dividing 24, or exactly 1 d); anything else (90s, 7m, 5h, 2d) runs on a plain
 * timer every `everyMs`, which keeps the exact interval but not wall-clock
 * alignment.
 */
export type SchedulePlan =
  { readonly kind: 'cron'; readonly cron: string } | { readonly kind: 'timer'; readonly everyMs: number };

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function step(n: number): string {
  return n === 1 ? '*' : `*/${n}`;
}

export function planSchedule(schedule: Schedule): SchedulePlan {
  if (schedule.kind === 'cron') return { kind: 'cron', cron: schedule.cron };
  const ms = schedule.everyMs;
  if (ms <= 0) return { kind: 'timer', everyMs: SECOND };
  if (ms < MINUTE && ms % SECOND === 0 && 60 % (ms / SECOND) === 0) {
    return { kind: 'cron', cron: `${step(ms / SECOND)} * * * * *` };
  }
  if (ms < HOUR && ms % MINUTE === 0 && 60 % (ms / MINUTE) === 0) {
    return { kind: 'cron', cron: `0 ${step(ms / MINUTE)} * * * *` };
  }
  if (ms < DAY && ms % HOUR === 0 && 24 % (ms / HOUR) === 0) {
    return { kind: 'cron', cron: `0 0 ${step(ms / HOUR)} * * *` };
  }
  if (ms === DAY) return { kind: 'cron', cron: '0 0 0 * * *' };
  return { kind: 'timer', everyMs: ms };
}

/** For logs: `cron "*\/5 * * * * *"` or `every 90000 ms`. */
export function describePlan(plan: SchedulePlan): string {
  return plan.kind === 'cron' ? `cron "${plan.cron}"` : `every ${plan.everyMs} ms`;
}
