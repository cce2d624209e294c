import { historyEntry, parseCheckDetail } from '../../src/ports/history.js';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HistoryEntry } from '../../src/ports/state-store.js';
import { DirSync } from '../../src/store/durable-fs.js';
import { FileStateStore } from '../../src/store/file-store.js';
import { appendHistoryEntries, canAppendBatch } from '../../src/ports/history-append.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { record, removeDir } from './helpers.js';

/*
 * The file store's cost cutting (see the benchmark): shared directory fsyncs,
 * several history entries in one append, a save that skips decoding the record
 * it last wrote. Each must keep what it replaces: every caller's rename
 * synced, entries in order, another writer's save still detected.
 */

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-batching-'));
});
afterEach(async () => {
  await removeDir(dir);
});

function check(at: number): HistoryEntry {
  return historyEntry({ type: 'check', at, stage: 'canary', percent: 2, detail: parseCheckDetail({}) });
}

/** a flush that finishes only when told to, recording each start */
function controlledFlush() {
  const started: Array<() => void> = [];
  const flush = vi.fn(
    () =>
      new Promise<void>((resolve) => {
        started.push(resolve);
      }),
  );
  return { flush, finish: (i: number) => started[i]?.() };
}

describe('DirSync', () => {
  it('runs one fsync for a caller when none is running', async () => {
    const flush = vi.fn(() => Promise.resolve());
    await new DirSync('/state', flush).sync();
    expect(flush.mock.calls).toEqual([['/state']]);
  });

  it('makes callers that arrive during an fsync share the single next one', async () => {
    const { flush, finish } = controlledFlush();
    const sync = new DirSync('/state', flush);
    const order: string[] = [];
    const first = sync.sync().then(() => order.push('first'));
    const late = [1, 2, 3].map((n) => sync.sync().then(() => order.push(`late${n}`)));
    expect(flush).toHaveBeenCalledTimes(1);
    finish(0);
    await first;
    // the running fsync may have started before the late callers' renames: they wait for a new one
    await vi.waitFor(() => expect(flush).toHaveBeenCalledTimes(2));
    expect(order).toEqual(['first']);
    finish(1);
    await Promise.all(late);
    expect(order).toEqual(['first', 'late1', 'late2', 'late3']);
    expect(flush).toHaveBeenCalledTimes(2);
  });

  it('hands each caller the failure of its own fsync, and the next caller a fresh attempt', async () => {
    const flush = vi
      .fn<(dir: string) => Promise<void>>()
      .mockRejectedValueOnce(Object.assign(new Error('EIO'), { code: 'EIO' }))
      .mockResolvedValue(undefined);
    const sync = new DirSync('/state', flush);
    await expect(sync.sync()).rejects.toThrow('EIO');
    await expect(sync.sync()).resolves.toBeUndefined();
    expect(flush).toHaveBeenCalledTimes(2);
  });
});

describe('batched history appends', () => {
  it('appends several entries as consecutive lines, in order, after earlier ones', async () => {
    const store = new FileStateStore({ dir });
    await store.appendHistory('alpha', check(1));
    await store.appendHistoryEntries('alpha', [check(2), check(3), check(4)]);
    expect(await readFile(join(dir, 'history', 'alpha.jsonl'), 'utf8')).toBe(
      [1, 2, 3, 4].map((at) => `${JSON.stringify(check(at))}\n`).join(''),
    );
  });

  it('keeps every line of concurrent batches whole and each batch in order', async () => {
    const store = new FileStateStore({ dir });
    await Promise.all(
      [0, 1, 2, 3, 4, 5].map((b) =>
        store.appendHistoryEntries('alpha', [check(b * 10), check(b * 10 + 1), check(b * 10 + 2)]),
      ),
    );
    const ats = (await store.history('alpha')).map((e) => e.at);
    expect([...ats].sort((a, b) => a - b)).toEqual([
      0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51, 52,
    ]);
    for (let i = 0; i < ats.length; i += 3) {
      const first = ats[i] ?? Number.NaN;
      expect(ats.slice(i, i + 3)).toEqual([first, first + 1, first + 2]);
    }
  });

  it('uses the batch where the store has one, else appends one by one through the port', async () => {
    const file = new FileStateStore({ dir });
    const batch = vi.spyOn(file, 'appendHistoryEntries');
    const single = vi.spyOn(file, 'appendHistory');
    await appendHistoryEntries(file, 'alpha', [check(1), check(2)]);
    expect(batch).toHaveBeenCalledTimes(1);
    expect(single).not.toHaveBeenCalled();

    const memory = new MemoryStateStore();
    expect(canAppendBatch(memory)).toBe(false);
    const appended = vi.spyOn(memory, 'appendHistory');
    await appendHistoryEntries(memory, 'alpha', [check(1), check(2)]);
    expect(appended.mock.calls).toEqual([
      ['alpha', check(1)],
      ['alpha', check(2)],
    ]);
    expect((await memory.history('alpha')).map((e) => e.at)).toEqual([1, 2]);
    await appendHistoryEntries(memory, 'alpha', []);
    expect(appended).toHaveBeenCalledTimes(2);
  });
});

describe('saves without re-decoding the record last written', () => {
  it('still refuses a save when another store instance (another process) wrote meanwhile', async () => {
    const controller = new FileStateStore({ dir });
    const operator = new FileStateStore({ dir });
    await controller.save(record('alpha', { specHash: 'a' }), 0);
    const seen = await operator.load('alpha');
    // same length as the controller's text: only the content tells them apart
    await operator.save({ ...(seen ?? record('alpha')), specHash: 'b' }, 1);
    await expect(controller.save(record('alpha', { specHash: 'c' }), 1)).rejects.toMatchObject({
      code: 'E_STORE_CONFLICT',
      details: { storedVersion: 2, expectedVersion: 1 },
    });
    expect((await controller.save(record('alpha', { specHash: 'c' }), 2)).version).toBe(3);
    expect((await operator.load('alpha'))?.specHash).toBe('c');
  });

  it('leaves no temp or lock files behind, and recreates a directory removed under it', async () => {
    const store = new FileStateStore({ dir });
    for (let v = 0; v < 5; v += 1) await store.save(record('alpha'), v);
    expect((await readdir(join(dir, 'rollouts'))).sort()).toEqual(['alpha.json', 'alpha.prev.json']);
    expect(await readdir(join(dir, 'locks'))).toEqual([]);
    await removeDir(join(dir, 'history'));
    await expect(store.appendHistory('alpha', check(1))).rejects.toMatchObject({ code: 'E_STORE_IO' });
    await store.appendHistory('alpha', check(2));
    expect((await store.history('alpha')).map((e) => e.at)).toEqual([2]);
  });
});
