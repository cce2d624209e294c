import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../src/ports/state-store.js';
import { buildServer } from '../../src/server/server.js';
import { FileStateStore } from '../../src/store/file-store.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { deps, record } from '../server/helpers.js';

/*
 * Issue 11: GET /api/rollouts/:name parsed the whole history on each request.
 * Here a 100,000-line history: a page, and the detail view's last check, read
 * only the tail of the file (bytes counted by the store, not time).
 */

const LINES = 100_000;
let dir: string;
let store: FileStateStore;
let size: number;

function entry(i: number): HistoryEntry {
  return i % 10 === 9
    ? {
        type: 'check',
        at: i,
        stage: 'canary',
        percent: 2,
        detail: { decision: { action: 'hold', reasons: [`n${i}`] } },
      }
    : {
        type: 'transition',
        at: i,
        from: 'running',
        to: 'running',
        stage: 'canary',
        percent: 2,
        reason: `r${i}`,
      };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-history-'));
  store = new FileStateStore({ dir });
  await store.save(record('alpha'), 0);
  await store.appendHistory('alpha', entry(0)); // creates the dir
  const text = Array.from({ length: LINES - 1 }, (_, i) => JSON.stringify(entry(i + 1))).join('\n');
  await writeFile(store.historyFile('alpha'), `${JSON.stringify(entry(0))}\n${text}\n`);
  size = (await stat(store.historyFile('alpha'))).size;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('history paged from the end', () => {
  it('reads only the tail for the newest page, and pages back with `before`', async () => {
    store.historyBytesRead = 0;
    const newest = await store.history('alpha', { limit: 50 });
    expect(newest.map((e) => e.at)).toEqual(Array.from({ length: 50 }, (_, i) => LINES - 50 + i));
    expect(size).toBeGreaterThan(8_000_000);
    // one 64 KiB chunk covers 50 lines: far below the file's size
    expect(store.historyBytesRead).toBeLessThanOrEqual(64 * 1024);

    const older = await store.history('alpha', { before: 50, limit: 50 });
    expect(older.map((e) => e.at)).toEqual(Array.from({ length: 50 }, (_, i) => LINES - 100 + i));
    const oldest = await store.history('alpha', { before: LINES - 3, limit: 10 });
    expect(oldest.map((e) => e.at)).toEqual([0, 1, 2]);
    expect(await store.history('alpha', { before: LINES + 5, limit: 10 })).toEqual([]);
  });

  it('pages the same way in the memory store', async () => {
    const memory = new MemoryStateStore();
    for (let i = 0; i < 10; i++) await memory.appendHistory('alpha', entry(i));
    expect((await memory.history('alpha', { before: 2, limit: 3 })).map((e) => e.at)).toEqual([5, 6, 7]);
    expect((await memory.history('alpha', { limit: 2 })).map((e) => e.at)).toEqual([8, 9]);
    expect((await memory.history('alpha')).length).toBe(10);
  });

  it('serves the detail view and a history page over HTTP from the tail', async () => {
    const app = buildServer({ ...deps(undefined as never, []), store, loadedRollouts: () => [] });
    try {
      store.historyBytesRead = 0;
      const detail = await app.inject({ method: 'GET', url: '/api/rollouts/alpha' });
      expect(detail.statusCode).toBe(200);
      expect(detail.json().lastCheck.reasons).toEqual([`n${LINES - 1}`]);
      const page = await app.inject({ method: 'GET', url: '/api/rollouts/alpha/history?limit=100' });
      const body = page.json() as { entries: HistoryEntry[]; next: number | null };
      expect(body.entries.at(-1)?.at).toBe(LINES - 1);
      expect(body.next).toBe(100);
      expect(store.historyBytesRead).toBeLessThan(size / 50);
    } finally {
      await app.close();
    }
  });

  it('keeps at most 4 API reads in flight, so checks are not queued behind 16 clients', async () => {
    let inFlight = 0;
    let peak = 0;
    const slow = Object.create(store) as FileStateStore;
    slow.history = async (name, page) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      try {
        await new Promise((r) => setTimeout(r, 5));
        return await store.history(name, page);
      } finally {
        inFlight -= 1;
      }
    };
    const app = buildServer({ ...deps(undefined as never, []), store: slow, loadedRollouts: () => [] });
    try {
      const answers = await Promise.all(
        Array.from({ length: 16 }, () =>
          app.inject({ method: 'GET', url: '/api/rollouts/alpha/history?limit=10' }),
        ),
      );
      expect(answers.every((a) => a.statusCode === 200)).toBe(true);
      expect(peak).toBe(4);
    } finally {
      await app.close();
    }
  });
});
