import { describe, expect, it } from 'vitest';
import { historyEntry } from '../../src/ports/history.js';
import type { HistoryEntry } from '../../src/ports/state-store.js';
import { allCheckedIn, dueOffsets, postLaunchProgress } from '../../src/runtime/post-launch.js';

const DAY = 86_400_000;

function completed(at: number): HistoryEntry {
  return historyEntry({
    type: 'transition',
    at,
    from: 'running',
    to: 'completed',
    stage: 'full',
    percent: 100,
    reason: null,
  });
}

function checkIn(at: number, offsetMs: number | null): HistoryEntry {
  return historyEntry({
    type: 'check',
    at,
    stage: 'full',
    percent: 100,
    detail: {
      state: 'completed',
      measurements: {},
      results: [],
      decision: null,
      toggle: 100,
      exposure: null,
      durationMs: null,
      errors: null,
      postLaunch: offsetMs === null ? null : { offsetMs },
    },
  });
}

describe('postLaunchProgress', () => {
  it('is undefined for a rollout that never completed', () => {
    expect(postLaunchProgress([checkIn(1, null)])).toBeUndefined();
  });

  it('counts only check-ins after the last completion', () => {
    const progress = postLaunchProgress([
      completed(1_000),
      checkIn(1_000 + 7 * DAY, 7 * DAY),
      // rolled out again: earlier check-ins belong to the previous completion
      completed(50 * DAY),
      checkIn(50 * DAY + 1, null),
      checkIn(57 * DAY, 7 * DAY),
    ]);
    expect(progress?.completedAt).toBe(50 * DAY);
    expect([...(progress?.done ?? [])]).toEqual([7 * DAY]);

    const reset = postLaunchProgress([completed(1_000), checkIn(2_000, 7 * DAY), completed(3_000)]);
    expect(reset?.done.size).toBe(0);
  });
});

describe('dueOffsets / allCheckedIn', () => {
  const progress = { completedAt: 0, done: new Set([7 * DAY]) };

  it('lists offsets due and not done, earliest first, once each', () => {
    expect(dueOffsets([30 * DAY, 1 * DAY, 7 * DAY, 1 * DAY], progress, 30 * DAY)).toEqual([
      1 * DAY,
      30 * DAY,
    ]);
    expect(dueOffsets([30 * DAY], progress, 30 * DAY - 1)).toEqual([]);
  });

  it('is all checked in only when every offset is done', () => {
    expect(allCheckedIn([7 * DAY], progress)).toBe(true);
    expect(allCheckedIn([7 * DAY, 30 * DAY], progress)).toBe(false);
    expect(allCheckedIn([], progress)).toBe(true);
  });
});
