import { describe, expect, it } from 'vitest';
import { appendHistoryEntries, canAppendBatch } from '../../src/ports/history-append.js';
import type { HistoryEntry } from '../../src/ports/state-store.js';
import { FakeStore } from '../server/helpers.js';

const entry = (at: number): HistoryEntry => ({
  type: 'stage',
  at,
  event: 'entered',
  stage: 'canary',
  percent: 2,
  why: 'started',
});

/** The port's store, recording each call. */
class OneByOne extends FakeStore {
  readonly calls: string[] = [];
  override async appendHistory(name: string, e: HistoryEntry): Promise<void> {
    this.calls.push(`one ${name} ${e.at}`);
    await super.appendHistory(name, e);
  }
}

/** A store with the file store's batch capability. */
class Batching extends OneByOne {
  appendHistoryEntries(name: string, entries: readonly HistoryEntry[]): Promise<void> {
    this.calls.push(`batch ${name} ${entries.map((e) => e.at).join(',')}`);
    return Promise.resolve();
  }
}

describe('canAppendBatch', () => {
  it('is true only for a store with appendHistoryEntries', () => {
    expect(canAppendBatch(new Batching())).toBe(true);
    expect(canAppendBatch(new OneByOne())).toBe(false);
  });
});

describe('appendHistoryEntries', () => {
  it('hands several entries to a batching store in one call', async () => {
    const store = new Batching();
    await appendHistoryEntries(store, 'ebg', [entry(1), entry(2), entry(3)]);
    expect(store.calls).toEqual(['batch ebg 1,2,3']);
  });

  it('appends one entry through the port, even on a batching store', async () => {
    const store = new Batching();
    await appendHistoryEntries(store, 'ebg', [entry(1)]);
    expect(store.calls).toEqual(['one ebg 1']);
  });

  it('appends one by one, in order, to a store without the capability', async () => {
    const store = new OneByOne();
    await appendHistoryEntries(store, 'ebg', [entry(1), entry(2), entry(3)]);
    expect(store.calls).toEqual(['one ebg 1', 'one ebg 2', 'one ebg 3']);
    expect((await store.history('ebg')).map((e) => e.at)).toEqual([1, 2, 3]);
  });

  it('does nothing for no entries', async () => {
    const store = new Batching();
    await appendHistoryEntries(store, 'ebg', []);
    expect(store.calls).toEqual([]);
  });
});
