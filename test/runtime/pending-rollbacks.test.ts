import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/log.js';
import type { RolloutRecord } from '../../src/ports/state-store.js';
import { parseRolloutText } from '../../src/rollout/loader.js';
import type { Rollout } from '../../src/rollout/types.js';
import { retryWindowMs, settlePendingRollbacks } from '../../src/runtime/pending-rollbacks.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { rolloutYaml } from '../controller/rollout-yaml.js';
import { record } from '../server/helpers.js';

/*
 * `run --once`'s retry window (issue 11 items 2 and 5): measured on the
 * injected monotonic clock, so a wall-clock step backwards (which used to
 * stall a retry) or forwards changes nothing.
 */

function rollout(name: string, every: string): Rollout {
  return parseRolloutText(rolloutYaml({ name, every }), `rollouts/${name}.yaml`);
}

async function storeWith(pending: Record<string, boolean>): Promise<MemoryStateStore> {
  const store = new MemoryStateStore();
  for (const [name, isPending] of Object.entries(pending)) {
    const base = record(name);
    const rec: RolloutRecord = {
      ...base,
      intent: isPending
        ? {
            id: `${name}-off`,
            action: 'disable',
            percent: 0,
            gate: 'percentage_of_actors',
            mode: 'zero',
            at: 1,
          }
        : null,
    };
    await store.save(rec, 0);
  }
  return store;
}

describe('retryWindowMs', () => {
  it.each([
    ['2s', 2_000],
    ['30s', 30_000],
    ['1m', 60_000],
    ['5m', 60_000],
    ['1h', 60_000],
  ])('every %s → %d ms', (every, ms) => {
    expect(retryWindowMs(rollout('w', every))).toBe(ms);
  });
});

describe('settlePendingRollbacks', () => {
  it('an unsaved rollback (toggle off, record not saved) is pending too, until its save lands', async () => {
    const store = await storeWith({ a: false });
    let mono = 0;
    let unsaved = true;
    let attempts = 0;
    const left = await settlePendingRollbacks([rollout('a', '5s')], {
      store,
      unsaved: () => unsaved,
      applyPending: async () => {
        // the second attempt's save lands
        if (++attempts === 2) unsaved = false;
        return true;
      },
      logger: silentLogger(),
      clock: () => mono,
      sleep: async (ms) => void (mono += ms),
    });
    expect(left).toEqual([]);
    expect(attempts).toBe(2);
  });

  it('retries each pending rollback until its window ends on the monotonic clock, whatever the wall clock does', async () => {
    const store = await storeWith({ a: true, b: false });
    let mono = 0;
    const tried: string[] = [];
    // the wall clock jumps back an hour, then forward a day: the window must not care
    const wall = vi.spyOn(Date, 'now');
    wall.mockReturnValueOnce(1_000_000_000).mockReturnValue(1_000_000_000 - 3_600_000);
    const left = await settlePendingRollbacks([rollout('a', '5s'), rollout('b', '5s')], {
      store,
      applyPending: async (r) => {
        tried.push(r.name);
        return true;
      },
      logger: silentLogger(),
      clock: () => mono,
      sleep: async (ms) => {
        mono += ms;
        wall.mockReturnValue(Date.now() + 86_400_000);
      },
    });
    wall.mockRestore();
    expect(left).toEqual(['a']);
    // attempts at 0, 1, 2, 3, 4 s of a 5 s window; never the rollout without a pending rollback
    expect(tried).toEqual(['a', 'a', 'a', 'a', 'a']);
  });

  it('stops as soon as the rollback lands and reports nothing pending', async () => {
    const store = await storeWith({ a: true });
    let mono = 0;
    let attempts = 0;
    const left = await settlePendingRollbacks([rollout('a', '1m')], {
      store,
      applyPending: async () => {
        attempts++;
        if (attempts === 3) {
          const rec = await store.load('a');
          if (rec) await store.save({ ...rec, intent: null }, rec.version);
        }
        return true;
      },
      logger: silentLogger(),
      clock: () => mono,
      sleep: async (ms) => void (mono += ms),
    });
    expect(left).toEqual([]);
    expect(attempts).toBe(3);
  });

  it('does nothing without a pending rollback', async () => {
    const store = await storeWith({ a: false });
    const applyPending = vi.fn(async () => true);
    expect(
      await settlePendingRollbacks([rollout('a', '1m')], { store, applyPending, logger: silentLogger() }),
    ).toEqual([]);
    expect(applyPending).not.toHaveBeenCalled();
  });
});
