import { describe, expect, it } from 'vitest';
import type { ToggleIntent } from '../../src/ports/state-store.js';
import type { EngineSession } from '../../src/runtime/engine-session.js';
import { createRetryClock } from '../../src/runtime/retry-clock.js';

function session(intent: ToggleIntent | null, retryAt: number | null): EngineSession {
  return { intent: () => intent, retryAt: () => retryAt } as unknown as EngineSession;
}

const intent: ToggleIntent = {
  id: 'i-1',
  action: 'disable',
  percent: 0,
  gate: 'percentage_of_actors',
  mode: 'zero',
  at: 0,
};

function clocks(wall: number, mono: number) {
  const c = { wall, mono };
  return {
    c,
    clock: createRetryClock(
      () => c.wall,
      () => c.mono,
    ),
  };
}

describe('createRetryClock', () => {
  it('is never due without an intent, and due at once without a retry time', () => {
    const { clock } = clocks(1_000, 0);
    expect(clock.due(session(null, null))).toBe(false);
    expect(clock.due(session(intent, null))).toBe(true);
  });

  it('measures a seen failure on the monotonic clock: a wall step back does not stall it', () => {
    const { c, clock } = clocks(1_000_000, 50);
    clock.failed('i-1', 1_000_000);
    const s = session(intent, 1_030_000); // backoff 30 s
    c.wall -= 3_600_000; // NTP steps the wall clock back an hour
    c.mono += 29_999;
    expect(clock.due(s)).toBe(false);
    c.mono += 1;
    expect(clock.due(s)).toBe(true);
  });

  it('a wall step forward does not fire it early', () => {
    const { c, clock } = clocks(1_000_000, 0);
    clock.failed('i-1', 1_000_000);
    c.wall += 86_400_000;
    expect(clock.due(session(intent, 1_030_000))).toBe(false);
  });

  it('falls back to the wall clock for a failure it did not see, or one forgotten', () => {
    const { c, clock } = clocks(1_000_000, 0);
    const s = session(intent, 1_030_000);
    expect(clock.due(s)).toBe(false);
    c.wall = 1_030_000;
    expect(clock.due(s)).toBe(true);

    clock.failed('i-1', 1_030_000);
    expect(clock.due(session(intent, 1_060_000))).toBe(false);
    clock.forget('i-1');
    c.wall = 1_060_000;
    expect(clock.due(session(intent, 1_060_000))).toBe(true);
  });

  it('keys failures by intent id: a new intent is judged on its own', () => {
    const { clock } = clocks(2_000, 0);
    clock.failed('old', 1_000);
    const fresh = session({ ...intent, id: 'new' }, 1_500);
    // 'old' would need 500 ms of monotonic time; 'new' falls back to the wall clock, already past
    expect(clock.due(fresh)).toBe(true);
  });
});
