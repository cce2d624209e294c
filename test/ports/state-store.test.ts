import { describe, expect, it } from 'vitest';
import { ROLLOUT_STATES, scanStore, storeHealth, type StoreScan } from '../../src/ports/state-store.js';
import { FakeStore, record } from '../server/helpers.js';

/** A store with the optional capabilities, as the file store has them. */
class ScanningStore extends FakeStore {
  scan(): Promise<StoreScan> {
    return Promise.resolve({
      records: [record('alpha')],
      problems: [
        { name: 'broken', path: '.stagegate/broken.json', code: 'E_STORE_CORRUPT', message: 'bad JSON' },
      ],
    });
  }
  health() {
    return { ok: false, problem: 'cannot write .stagegate: ENOSPC (disk full)', errno: 'ENOSPC', since: 5 };
  }
}

describe('ROLLOUT_STATES', () => {
  it('lists every state of the rollout machine once, pending first', () => {
    expect(ROLLOUT_STATES[0]).toBe('pending');
    expect(new Set(ROLLOUT_STATES).size).toBe(ROLLOUT_STATES.length);
    expect([...ROLLOUT_STATES].sort()).toEqual(
      [
        'awaiting_approval',
        'completed',
        'paused',
        'pending',
        'rolled_back',
        'rolling_back',
        'running',
      ].sort(),
    );
  });
});

describe('scanStore', () => {
  it("uses the store's scan where it has one, with the records it left out", async () => {
    const scan = await scanStore(new ScanningStore());
    expect(scan.records.map((r) => r.name)).toEqual(['alpha']);
    expect(scan.problems.map((p) => p.name)).toEqual(['broken']);
  });

  it('falls back to list() with no problems', async () => {
    const store = new FakeStore();
    store.records.set('beta', record('beta'));
    expect(await scanStore(store)).toEqual({ records: [record('beta')], problems: [] });
  });

  it('passes a failing list() through', async () => {
    const store = new FakeStore();
    store.down = true;
    await expect(scanStore(store)).rejects.toMatchObject({ code: 'E_STORE_IO' });
  });
});

describe('storeHealth', () => {
  it("is the store's own health where it has one, healthy otherwise", () => {
    expect(storeHealth(new ScanningStore())).toMatchObject({ ok: false, errno: 'ENOSPC' });
    expect(storeHealth(new FakeStore())).toEqual({ ok: true, problem: null, errno: null, since: null });
  });
});
