import { describe, expect, it } from 'vitest';
import { elapsedMs, monotonicMs, steadyWallClock } from '../../src/ports/clock.js';

/** A clock the test moves by hand. */
function manual(start: number) {
  const c = { now: start };
  return { c, read: () => c.now };
}

describe('monotonicMs and elapsedMs', () => {
  it('monotonicMs never goes back', () => {
    const readings = Array.from({ length: 50 }, () => monotonicMs());
    expect(readings).toEqual([...readings].sort((a, b) => a - b));
  });

  it('elapsedMs is the difference, and never negative', () => {
    const { c, read } = manual(1_000);
    const started = read();
    c.now = 1_250;
    expect(elapsedMs(started, read)).toBe(250);
    c.now = 900;
    expect(elapsedMs(started, read)).toBe(0);
  });
});

describe('steadyWallClock', () => {
  it('advances with the monotonic clock and ignores steps of the wall clock', () => {
    const wall = manual(Date.UTC(2025, 5, 17, 12));
    const mono = manual(5_000);
    const now = steadyWallClock(wall.read, mono.read);
    const t0 = now();
    expect(t0).toBe(Date.UTC(2025, 5, 17, 12));
    wall.c.now += 86_400_000; // an NTP step of a day forward
    mono.c.now += 1_000;
    expect(now() - t0).toBe(1_000);
    wall.c.now -= 2 * 86_400_000; // and back
    mono.c.now += 500;
    expect(now() - t0).toBe(1_500);
  });

  it('answers whole milliseconds, never before its start', () => {
    const mono = manual(10.25);
    const now = steadyWallClock(() => 1_000, mono.read);
    mono.c.now = 11.9;
    expect(now()).toBe(1_001);
    mono.c.now = 3;
    expect(now()).toBe(1_000);
    expect(Number.isInteger(now())).toBe(true);
  });
});
