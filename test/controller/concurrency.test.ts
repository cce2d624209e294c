import { describe, expect, it } from 'vitest';
import { forEachConcurrently } from '../../src/controller/concurrency.js';

/** a task per item that waits until released, recording start/end order and the peak in flight */
function tracker() {
  const events: string[] = [];
  const waiting = new Map<number, () => void>();
  let inFlight = 0;
  let peak = 0;
  const fn = (item: number) =>
    new Promise<void>((resolve) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      events.push(`start ${item}`);
      waiting.set(item, () => {
        inFlight--;
        events.push(`end ${item}`);
        resolve();
      });
    });
  const release = async (item: number) => {
    waiting.get(item)?.();
    // let the worker pick its next item
    await new Promise((r) => setImmediate(r));
  };
  return { events, fn, release, peak: () => peak };
}

describe('forEachConcurrently', () => {
  it('runs at most `limit` at a time and starts the next as soon as one ends', async () => {
    const t = tracker();
    const done = forEachConcurrently([1, 2, 3, 4], 2, t.fn);
    await new Promise((r) => setImmediate(r));
    expect(t.events).toEqual(['start 1', 'start 2']);
    await t.release(2);
    expect(t.events).toEqual(['start 1', 'start 2', 'end 2', 'start 3']);
    await t.release(1);
    await t.release(3);
    await t.release(4);
    await done;
    expect(t.peak()).toBe(2);
    expect(t.events.filter((e) => e.startsWith('start'))).toEqual([
      'start 1',
      'start 2',
      'start 3',
      'start 4',
    ]);
  });

  it('treats a limit below 1 as 1 and handles no items', async () => {
    const seen: number[] = [];
    await forEachConcurrently([1, 2, 3], 0, async (i) => void seen.push(i));
    expect(seen).toEqual([1, 2, 3]);
    let calls = 0;
    await forEachConcurrently([], 5, async () => void calls++);
    expect(calls).toBe(0);
  });

  it('rejects with the first failure', async () => {
    await expect(
      forEachConcurrently([1, 2], 2, async (i) => {
        if (i === 2) throw new Error('boom 2');
      }),
    ).rejects.toThrow('boom 2');
  });
});
