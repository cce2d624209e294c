import { describe, expect, it } from 'vitest';
import { historyEntry } from '../../src/ports/history.js';
import type { HistoryEntry, RolloutRecord, StateStore } from '../../src/ports/state-store.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import {
  checksumOf,
  countsOf,
  DUMP_FORMAT,
  exportState,
  importState,
  parseDump,
} from '../../src/store/state-transfer.js';
import { record } from './helpers.js';

const spec = (at: number): HistoryEntry =>
  historyEntry({ type: 'spec', at, specHash: `sha256:${at}`, source: null });

/** a memory store that also names rollouts with only a history (as the file store does) */
function namingStore(): MemoryStateStore & { names(): Promise<string[]> } {
  const store = new MemoryStateStore();
  const named = new Set<string>();
  const append = store.appendHistory.bind(store);
  return Object.assign(store, {
    appendHistory: async (name: string, entry: HistoryEntry) => {
      named.add(name);
      await append(name, entry);
    },
    names: async () => [...named],
  });
}

async function source() {
  const store = namingStore();
  await store.save(record('b-rollout', { updatedAt: 2 }), 0);
  await store.appendHistory('b-rollout', spec(1));
  await store.appendHistory('b-rollout', spec(2));
  await store.save(record('a-rollout'), 0);
  await store.appendHistory('history-only', spec(3));
  return store;
}

describe('exportState', () => {
  it('dumps every rollout by name, history-only ones included, with counts and a checksum', async () => {
    const dump = await exportState(await source(), new Date('2026-12-02T05:00:00Z'));
    expect(dump).toMatchObject({ format: DUMP_FORMAT, version: 1, exportedAt: '2026-12-02T05:00:00.000Z' });
    expect(dump.rollouts.map((r) => [r.name, r.record !== null, r.history.length])).toEqual([
      ['a-rollout', true, 0],
      ['b-rollout', true, 2],
      ['history-only', false, 1],
    ]);
    expect(dump.counts).toEqual({ rollouts: 3, records: 2, historyEntries: 3 });
    expect(dump.checksum).toBe(checksumOf(dump.rollouts));
    expect(dump.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('checksumOf / countsOf', () => {
  const rollouts = [{ name: 'a', record: record('a', { version: 7 }), history: [spec(1)] }];

  it('ignores record versions and rollout order, but not content', () => {
    const renumbered = [{ ...rollouts[0]!, record: { ...rollouts[0]!.record, version: 1 } as RolloutRecord }];
    expect(checksumOf(renumbered)).toBe(checksumOf(rollouts));
    const two = [...rollouts, { name: 'b', record: null, history: [] }];
    expect(checksumOf([...two].reverse())).toBe(checksumOf(two));
    expect(checksumOf([{ ...rollouts[0]!, history: [spec(2)] }])).not.toBe(checksumOf(rollouts));
    expect(countsOf(two)).toEqual({ rollouts: 2, records: 1, historyEntries: 1 });
  });
});

describe('parseDump', () => {
  it('accepts an intact dump', async () => {
    const dump = await exportState(await source());
    expect(parseDump(JSON.stringify(dump), 'dump.json')).toEqual(dump);
  });

  it.each([
    ['not JSON', () => '{"format":', /^dump\.json: not JSON: /],
    [
      'another format',
      () => JSON.stringify({ format: 'other' }),
      /^dump\.json: not a stagegate state dump \(format: /,
    ],
  ])('refuses %s with E_USAGE naming the file', (_, text, message) => {
    expect(() => parseDump(text(), 'dump.json')).toThrow(
      expect.objectContaining({ code: 'E_USAGE', message: expect.stringMatching(message) }),
    );
  });

  it('refuses a dump whose content no longer matches its checksum or counts', async () => {
    const dump = await exportState(await source());
    const edited = JSON.parse(JSON.stringify(dump)) as { rollouts: { history: { at: number }[] }[] };
    edited.rollouts[1]!.history[0]!.at = 99;
    expect(() => parseDump(JSON.stringify(edited), 'dump.json')).toThrow(/the dump is damaged/);
    const miscounted = { ...dump, counts: { ...dump.counts, records: 5 } };
    expect(() => parseDump(JSON.stringify(miscounted), 'dump.json')).toThrow(
      expect.objectContaining({
        code: 'E_USAGE',
        details: { expected: dump.checksum, actual: dump.checksum },
      }),
    );
  });
});

describe('importState', () => {
  it('writes every rollout into an empty store, versions restarting at 1, and verifies by reading back', async () => {
    const dump = await exportState(await source());
    const target = new MemoryStateStore();
    const result = await importState(dump, target);
    expect(result).toEqual({ counts: dump.counts, checksum: dump.checksum });
    expect((await target.load('b-rollout'))?.version).toBe(1);
    expect((await target.history('b-rollout')).map((e) => e.at)).toEqual([1, 2]);
    expect(await target.history('history-only')).toHaveLength(1);
  });

  it('refuses a target that already has any of the rollouts, writing nothing', async () => {
    const dump = await exportState(await source());
    const target = new MemoryStateStore();
    await target.appendHistory('history-only', spec(9));
    await expect(importState(dump, target)).rejects.toMatchObject({
      code: 'E_STORE_CONFLICT',
      details: { names: ['history-only'] },
    });
    expect(await target.list()).toEqual([]);
  });

  it('fails with E_STORE_IO when the target does not read back what was written', async () => {
    const dump = await exportState(await source());
    const inner = new MemoryStateStore();
    // a target that loses history entries
    const lossy: StateStore = {
      load: (n) => inner.load(n),
      save: (r, v) => inner.save(r, v),
      appendHistory: async () => undefined,
      history: (n, p) => inner.history(n, p),
      list: () => inner.list(),
    };
    await expect(importState(dump, lossy)).rejects.toMatchObject({
      code: 'E_STORE_IO',
      message: expect.stringContaining('read back 2 records and 0 history entries'),
    });
  });
});
