import { describe, expect, it } from 'vitest';
import { createKeyedSerializer } from '../../src/controller/keyed-serializer.js';
import { forEachConcurrently } from '../../src/controller/concurrency.js';

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

describe('keyed serializer', () => {
  it('runs work for one key in order and different keys concurrently', async () => {
    const s = createKeyedSerializer();
    const log: string[] = [];
    const job = (key: string, id: string, ms: number) =>
      s.run(key, async () => {
        log.push(`start ${id}`);
        await delay(ms);
        log.push(`end ${id}`);
        return id;
      });
    const results = await Promise.all([job('a', 'a1', 30), job('a', 'a2', 1), job('b', 'b1', 5)]);
    expect(results).toEqual(['a1', 'a2', 'b1']);
    expect(log).toEqual(['start a1', 'start b1', 'end b1', 'end a1', 'start a2', 'end a2']);
    expect(s.busy('a')).toBe(false);
  });

  it('keeps going after a failure and reports it to its caller only', async () => {
    const s = createKeyedSerializer();
    const failed = s.run('a', async () => {
      throw new Error('boom');
    });
    const next = s.run('a', async () => 'ok');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });

  it('idle waits for everything queued', async () => {
    const s = createKeyedSerializer();
    let done = 0;
    void s.run('a', async () => {
      await delay(20);
      done++;
    });
    void s.run('b', async () => {
      await delay(10);
      done++;
    });
    expect(s.busy('a')).toBe(true);
    await s.idle();
    expect(done).toBe(2);
  });
});

describe('forEachConcurrently', () => {
  it('visits every item with at most `limit` in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachConcurrently([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await delay(5);
      seen.push(n);
      inFlight--;
    });
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
  });

  it('handles an empty list', async () => {
    await expect(forEachConcurrently([], 4, async () => undefined)).resolves.toBeUndefined();
  });
});
