import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StagegateError } from '../../src/errors.js';
import type { HistoryEntry } from '../../src/ports/state-store.js';
import { FileStateStore } from '../../src/store/file-store.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { PostgresStateStore } from '../../src/store/postgres/postgres-store.js';
import { exportState, importState, parseDump } from '../../src/store/state-transfer.js';
import { record, removeDir } from './helpers.js';
import { usePostgres } from './pg-fixture.js';

const pg = usePostgres();
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map(removeDir));
});

async function fileStore(): Promise<FileStateStore> {
  const dir = await mkdtemp(join(tmpdir(), 'stagegate-transfer-'));
  dirs.push(dir);
  return new FileStateStore({ dir });
}

function check(at: number): HistoryEntry {
  return { type: 'check', at, stage: 'canary', percent: 2, detail: { n: at, why: 'line\nbreak "q"' } };
}

async function fill(store: FileStateStore): Promise<void> {
  for (const name of ['alpha', 'bravo', 'charlie']) {
    let saved = await store.save(record(name), 0);
    saved = await store.save({ ...saved, summary: { ...saved.summary, percent: 25 } }, saved.version);
    for (let i = 0; i < 40; i++) await store.appendHistory(name, check(i));
  }
}

describe('state export / import', () => {
  it('moves file → postgres → file with the same counts and checksum', async () => {
    const source = await fileStore();
    await fill(source);
    const dump = await exportState(source);
    expect(dump.counts).toEqual({ rollouts: 3, records: 3, historyEntries: 120 });
    const pgStore = new PostgresStateStore({ pool: pg.pool, schema: await pg.schema() });
    const result = await importState(parseDump(JSON.stringify(dump), 'dump.json'), pgStore);
    expect(result).toEqual({ counts: dump.counts, checksum: dump.checksum });
    expect((await pgStore.load('bravo'))?.summary.percent).toBe(25);
    expect(await pgStore.history('charlie')).toEqual(await source.history('charlie'));

    const back = await fileStore();
    const again = await importState(await exportState(pgStore), back);
    expect(again.checksum).toBe(dump.checksum);
    expect(await back.list()).toEqual((await source.list()).map((r) => ({ ...r, version: 1 })));
  });

  it('exports a history that has no record yet', async () => {
    const pgStore = new PostgresStateStore({ pool: pg.pool, schema: await pg.schema() });
    await pgStore.appendHistory('delta', check(1));
    const dump = await exportState(pgStore);
    expect(dump.rollouts).toEqual([{ name: 'delta', record: null, history: [check(1)] }]);
    const target = new MemoryStateStore();
    await importState(dump, target);
    expect(await target.history('delta')).toEqual([check(1)]);
  });

  it('refuses to import over a rollout the target already has, writing nothing', async () => {
    const source = await fileStore();
    await fill(source);
    const pgStore = new PostgresStateStore({ pool: pg.pool, schema: await pg.schema() });
    await pgStore.save(record('bravo'), 0);
    const err = await importState(await exportState(source), pgStore).catch((e: unknown) => e);
    expect((err as StagegateError).code).toBe('E_STORE_CONFLICT');
    expect((err as StagegateError).details).toEqual({ names: ['bravo'] });
    expect((await pgStore.list()).map((r) => r.name)).toEqual(['bravo']);
    expect(await pgStore.history('alpha')).toEqual([]);
  });

  it.each([
    ['a changed entry', (d: Record<string, unknown>) => JSON.stringify(d).replace('"n":7', '"n":8')],
    [
      'a dropped entry',
      (d: Record<string, unknown>) => JSON.stringify(d).replace(/\{"type":"check","at":39[^}]*\}\},?/, ''),
    ],
    ['not JSON', () => '{"format":'],
    ['another file', () => JSON.stringify({ hello: 1 })],
  ])('refuses a damaged dump: %s', async (_label, damage) => {
    const source = await fileStore();
    await fill(source);
    const dump = (await exportState(source)) as unknown as Record<string, unknown>;
    const err = (() => {
      try {
        parseDump(damage(dump), 'dump.json');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect((err as StagegateError).code).toBe('E_USAGE');
    expect((err as Error).message).toMatch(/^dump\.json: /);
  });
});
