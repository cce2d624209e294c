import { describe, expect, it } from 'vitest';
import { StagegateError } from '../../src/errors.js';
import { historyEntry, parseCheckDetail } from '../../src/ports/history.js';
import type { HistoryEntry, RolloutRecord } from '../../src/ports/state-store.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { record } from './helpers.js';

/* What the contract suite cannot see: the memory store's copies, its paging and its refusals. */

function check(at: number): HistoryEntry {
  return historyEntry({ type: 'check', at, stage: 'canary', percent: 2, detail: parseCheckDetail({}) });
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  return err instanceof StagegateError ? err.code : undefined;
}

describe('MemoryStateStore copies', () => {
  it('keeps what was saved when the caller mutates the record it passed in', async () => {
    const store = new MemoryStateStore();
    const input = record('alpha');
    await store.save(input, 0);
    (input.summary as { percent: number }).percent = 99;
    (input as { specHash: string }).specHash = 'changed';
    const loaded = await store.load('alpha');
    expect(loaded?.summary.percent).toBe(2);
    expect(loaded?.specHash).toBe('sha256:abc');
  });

  it('hands out a new object on every save, load and list', async () => {
    const store = new MemoryStateStore();
    const saved = await store.save(record('alpha'), 0);
    (saved.summary as { percent: number }).percent = 50;
    const loaded = await store.load('alpha');
    expect(loaded?.summary.percent).toBe(2);
    if (loaded) (loaded.summary as { stage: string }).stage = 'mutated';
    const [listed] = await store.list();
    expect(listed?.summary.stage).toBe('canary');
    if (listed) (listed.summary as { state: string }).state = 'paused';
    expect((await store.load('alpha'))?.summary.state).toBe('running');
  });

  it('keeps history entries as appended, whatever the caller does to its objects', async () => {
    const store = new MemoryStateStore();
    const entry = check(1);
    await store.appendHistory('alpha', entry);
    (entry as { at: number }).at = 999;
    const [first] = await store.history('alpha');
    expect(first).toEqual(check(1));
    (first as { at: number }).at = 777;
    expect(await store.history('alpha')).toEqual([check(1)]);
  });

  it('drops undefined fields as the file store would, through JSON', async () => {
    const store = new MemoryStateStore();
    const withUndefined = { ...record('alpha'), note: undefined } as RolloutRecord;
    const saved = await store.save(withUndefined, 0);
    expect(Object.keys(saved)).not.toContain('note');
    expect(Object.keys((await store.load('alpha')) ?? {})).not.toContain('note');
  });

  it('shares nothing between two instances', async () => {
    const a = new MemoryStateStore();
    const b = new MemoryStateStore();
    await a.save(record('alpha'), 0);
    await a.appendHistory('alpha', check(1));
    expect(await b.load('alpha')).toBeUndefined();
    expect(await b.history('alpha')).toEqual([]);
    expect(await b.list()).toEqual([]);
  });
});

describe('MemoryStateStore history pages', () => {
  async function withFive(): Promise<MemoryStateStore> {
    const store = new MemoryStateStore();
    for (const at of [1, 2, 3, 4, 5]) await store.appendHistory('alpha', check(at));
    return store;
  }
  const ats = (entries: HistoryEntry[]): number[] => entries.map((e) => e.at);

  it.each([
    [{}, [1, 2, 3, 4, 5]],
    [{ limit: 2 }, [4, 5]],
    [{ before: 1 }, [1, 2, 3, 4]],
    [{ before: 1, limit: 2 }, [3, 4]],
    [{ before: 4, limit: 3 }, [1]],
    [{ before: 5 }, []],
    [{ before: 9, limit: 2 }, []],
    [{ limit: 0 }, []],
    [{ limit: 9 }, [1, 2, 3, 4, 5]],
  ])('serves page %j as %j, oldest first', async (page, expected) => {
    expect(ats(await (await withFive()).history('alpha', page))).toEqual(expected);
  });

  it('leaves out an entry that would not decode, as the file store skips a torn line', async () => {
    const store = new MemoryStateStore();
    await store.appendHistory('alpha', check(1));
    await store.appendHistory('alpha', { type: 'no-such-entry' } as unknown as HistoryEntry);
    await store.appendHistory('alpha', check(3));
    expect(ats(await store.history('alpha'))).toEqual([1, 3]);
  });

  it('appends the entries of a save after those appended before it, in their order', async () => {
    const store = new MemoryStateStore();
    await store.appendHistory('alpha', check(1));
    await store.save(record('alpha'), 0, { history: [check(2), check(3)] });
    await store.appendHistory('alpha', check(4));
    expect(ats(await store.history('alpha'))).toEqual([1, 2, 3, 4]);
  });
});

describe('MemoryStateStore refusals', () => {
  it.each([-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses expectedVersion %s with E_USAGE and stores nothing',
    async (expected) => {
      const store = new MemoryStateStore();
      expect(await codeOf(store.save(record('alpha'), expected, { history: [check(1)] }))).toBe('E_USAGE');
      expect(await store.load('alpha')).toBeUndefined();
      expect(await store.history('alpha')).toEqual([]);
    },
  );

  it.each(['Alpha', '../etc', 'a.b', ''])('refuses the rollout name %j on every call', async (name) => {
    const store = new MemoryStateStore();
    expect(await codeOf(store.load(name))).toBe('E_USAGE');
    expect(await codeOf(store.save(record(name), 0))).toBe('E_USAGE');
    expect(await codeOf(store.appendHistory(name, check(1)))).toBe('E_USAGE');
    expect(await codeOf(store.history(name))).toBe('E_USAGE');
    expect(await store.list()).toEqual([]);
  });

  it('checks the record before the version: a bad record at a stale version is E_RECORD_INVALID', async () => {
    const store = new MemoryStateStore();
    await store.save(record('alpha'), 0);
    const bad = record('alpha', { updatedAt: 1.5 });
    expect(await codeOf(store.save(bad, 7))).toBe('E_RECORD_INVALID');
    expect((await store.load('alpha'))?.updatedAt).toBe(1_750_000_000_000);
  });

  it('writes none of the entries of a conflicting save', async () => {
    const store = new MemoryStateStore();
    await store.save(record('alpha'), 0);
    expect(await codeOf(store.save(record('alpha'), 0, { history: [check(1)] }))).toBe('E_STORE_CONFLICT');
    expect(await store.history('alpha')).toEqual([]);
    expect((await store.load('alpha'))?.version).toBe(1);
  });
});
