import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../log.js';
import type { Schedule } from '../rollout/types.js';
import { describePlan, planSchedule, type SchedulePlan } from './schedule-plan.js';

/*
 * One task per rollout (DESIGN.md §9). A check never overlaps the previous
 * check of the same rollout: node-cron's `noOverlap` skips a tick while the
 * last one is still running, and timer-driven schedules do the same by hand.
 * The scheduler knows nothing about checks: it calls `onTick(name)` and waits
 * for the promise, which must not reject (the runner logs its own failures).
 */
export interface Scheduler {
  /** Schedules `name`, replacing its task when the schedule or timezone changed. */
  set(name: string, schedule: Schedule, timezone: string): void;
  remove(name: string): void;
  names(): string[];
  /** Stops every task; checks already running are not interrupted. */
  stop(): Promise<void>;
}

interface Entry {
  readonly key: string;
  readonly stop: () => Promise<void> | void;
}

export interface SchedulerOptions {
  readonly onTick: (name: string) => Promise<void>;
  readonly logger: Logger;
}

export function createScheduler({ onTick, logger }: SchedulerOptions): Scheduler {
  const entries = new Map<string, Entry>();
  // node-cron logs to the console by default; an overlap skip is routine here, so it goes to debug
  const cronLogger = {
    info: (msg: string) => logger.debug({ source: 'node-cron' }, msg),
    warn: (msg: string) => logger.debug({ source: 'node-cron' }, msg),
    error: (msg: string | Error) => logger.error({ source: 'node-cron', err: msg }, 'scheduler error'),
    debug: (msg: string | Error) => logger.debug({ source: 'node-cron' }, String(msg)),
  };

  function startCron(name: string, expression: string, timezone: string): Entry['stop'] {
    const task: ScheduledTask = cron.schedule(expression, () => onTick(name), {
      name: `rollout:${name}`,
      timezone,
      noOverlap: true,
      // a missed tick (process suspended, check still running) is not an error: the next one checks anyway
      suppressMissedWarning: true,
      logger: cronLogger,
    });
    return () => task.destroy();
  }

  function startTimer(name: string, everyMs: number): Entry['stop'] {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      void onTick(name).finally(() => {
        busy = false;
      });
    }, everyMs);
    return () => clearInterval(timer);
  }

  return {
    set(name, schedule, timezone) {
      const plan: SchedulePlan = planSchedule(schedule);
      const key = `${describePlan(plan)} ${timezone}`;
      const current = entries.get(name);
      if (current?.key === key) return;
      if (current) void current.stop();
      const stop =
        plan.kind === 'cron' ? startCron(name, plan.cron, timezone) : startTimer(name, plan.everyMs);
      entries.set(name, { key, stop });
      logger.info({ rollout: name, schedule: describePlan(plan), timezone }, 'rollout scheduled');
    },
    remove(name) {
      const current = entries.get(name);
      if (!current) return;
      void current.stop();
      entries.delete(name);
      logger.info({ rollout: name }, 'rollout unscheduled');
    },
    names() {
      return [...entries.keys()];
    },
    async stop() {
      await Promise.all([...entries.values()].map((e) => e.stop()));
      entries.clear();
    },
  };
}
