import { afterEach, describe, expect, it } from 'vitest';
import { createScheduler, type Scheduler } from '../../src/controller/scheduler.js';
import { silentLogger } from '../../src/log.js';

let scheduler: Scheduler | undefined;
afterEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
});

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

describe('scheduler', () => {
  it('runs a seconds-level cron schedule and never overlaps a slow check', async () => {
    const starts: number[] = [];
    let running = 0;
    let maxRunning = 0;
    scheduler = createScheduler({
      logger: silentLogger(),
      onTick: async () => {
        starts.push(Date.now());
        running++;
        maxRunning = Math.max(maxRunning, running);
        await delay(1_500); // longer than the 1 s interval
        running--;
      },
    });
    scheduler.set('a', { kind: 'every', everyMs: 1_000 }, 'UTC');
    await delay(3_400);
    expect(maxRunning).toBe(1);
    expect(starts.length).toBeGreaterThanOrEqual(1);
    expect(starts.length).toBeLessThanOrEqual(2);
  });

  it('runs a timer schedule for intervals cron cannot express, skipping while busy', async () => {
    let ticks = 0;
    let running = 0;
    let maxRunning = 0;
    scheduler = createScheduler({
      logger: silentLogger(),
      onTick: async () => {
        ticks++;
        running++;
        maxRunning = Math.max(maxRunning, running);
        await delay(250);
        running--;
      },
    });
    scheduler.set('b', { kind: 'every', everyMs: 100 }, 'UTC');
    await delay(560);
    // ticks at ~100 (busy until ~350) and ~400: the three in between are skipped, not queued
    expect(maxRunning).toBe(1);
    expect(ticks).toBeGreaterThanOrEqual(1);
    expect(ticks).toBeLessThanOrEqual(2);
  });

  it('replaces a task only when its schedule changes, and removes it', async () => {
    let ticks = 0;
    scheduler = createScheduler({ logger: silentLogger(), onTick: async () => void ticks++ });
    scheduler.set('c', { kind: 'every', everyMs: 60_000 }, 'UTC');
    scheduler.set('c', { kind: 'every', everyMs: 60_000 }, 'UTC');
    expect(scheduler.names()).toEqual(['c']);
    scheduler.set('c', { kind: 'every', everyMs: 50 }, 'UTC');
    await delay(180);
    expect(ticks).toBeGreaterThanOrEqual(2);
    scheduler.remove('c');
    const after = ticks;
    await delay(150);
    expect(ticks).toBe(after);
    expect(scheduler.names()).toEqual([]);
  });
});
