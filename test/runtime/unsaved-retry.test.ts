import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { backoffMs, createUnsavedRetry } from '../../src/runtime/unsaved-retry.js';
import { twoStageRollout } from './two-stage.js';

const rollout = twoStageRollout('retry');

describe('backoffMs', () => {
  it.each([
    [0, 100],
    [1, 200],
    [3, 800],
    [10, 1_000],
  ])('attempt %i waits %i ms (doubling, capped)', (attempt, ms) => {
    expect(backoffMs(attempt, 100, 1_000)).toBe(ms);
  });
});

describe('createUnsavedRetry', () => {
  it('retries until the save lands, then stops; a second schedule while armed adds no timer', async () => {
    const attempts: number[] = [];
    let landed: () => void = () => undefined;
    const done = new Promise<void>((r) => (landed = r));
    const retry = createUnsavedRetry({
      logger: silentLogger(),
      baseMs: 5,
      capMs: 20,
      retry: async () => {
        attempts.push(attempts.length + 1);
        const saved = attempts.length === 3;
        if (saved) landed();
        return saved;
      },
    });
    retry.schedule(rollout);
    retry.schedule(rollout);
    expect(retry.scheduled('retry')).toBe(true);
    await done;
    await new Promise((r) => setTimeout(r, 60));
    expect(attempts).toEqual([1, 2, 3]);
    expect(retry.scheduled('retry')).toBe(false);
    retry.close();
  });

  it('a failing attempt (thrown) is retried; close() stops every timer', async () => {
    let calls = 0;
    const retry = createUnsavedRetry({
      logger: silentLogger(),
      baseMs: 5,
      capMs: 5,
      retry: async () => {
        calls++;
        throw new Error('ENOSPC');
      },
    });
    retry.schedule(rollout);
    while (calls < 2) await new Promise((r) => setTimeout(r, 5));
    retry.close();
    const seen = calls;
    await new Promise((r) => setTimeout(r, 40));
    expect(calls).toBeLessThanOrEqual(seen + 1);
    expect(retry.scheduled('retry')).toBe(false);
    retry.schedule(rollout);
    expect(retry.scheduled('retry')).toBe(false);
  });
});
