import { parseCheckDetail } from '../../../src/ports/history.js';
import { describe, expect, it } from 'vitest';
import { StagegateError } from '../../../src/errors.js';
import type { HistoryEntry } from '../../../src/ports/state-store.js';
import { createPool, storeError } from '../../../src/store/postgres/pool.js';
import { PostgresStateStore } from '../../../src/store/postgres/postgres-store.js';
import { record } from '../helpers.js';
import { usePostgres } from '../pg-fixture.js';

const pg = usePostgres();

function check(at: number): HistoryEntry {
  return { type: 'check', at, stage: 'canary', percent: 2, detail: parseCheckDetail({ durationMs: at }) };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (err: unknown) => (err instanceof StagegateError ? err.code : `not typed: ${String(err)}`),
  );
}

async function store(): Promise<PostgresStateStore> {
  return new PostgresStateStore({ pool: pg.pool, schema: await pg.schema() });
}

async function setLease(schema: string, holder: string, epoch: number): Promise<void> {
  await pg.pool.query(
    `INSERT INTO "${schema}".lease (id, holder, epoch, expires_at, acquired_at) VALUES (1, $1, $2, now() + interval '1 minute', now())
     ON CONFLICT (id) DO UPDATE SET holder = $1, epoch = $2`,
    [holder, epoch],
  );
}

describe('postgres history pages', () => {
  it.each([
    [{ limit: 3 }, [7, 8, 9]],
    [{ before: 5, limit: 2 }, [3, 4]],
    [{ before: 2, limit: 5 }, [3, 4, 5, 6, 7]],
    [{ before: 0, limit: 5 }, [5, 6, 7, 8, 9]],
    [{ before: 4 }, [0, 1, 2, 3, 4, 5]],
    [{ limit: 0 }, []],
    [{ before: 50, limit: 2 }, []],
  ])('page %j of ten entries holds %j', async (page, ats) => {
    const s = await store();
    for (let i = 0; i < 10; i++) await s.appendHistory('alpha', check(i));
    expect((await s.history('alpha', page)).map((e) => e.at)).toEqual(ats);
    expect(await s.historyLength('alpha')).toBe(10);
  });

  it('numbers concurrent appends without gaps', async () => {
    const schema = await pg.schema();
    const s = new PostgresStateStore({ pool: pg.pool, schema });
    await Promise.all(Array.from({ length: 30 }, (_, i) => s.appendHistory('alpha', check(i))));
    const pos = await pg.pool.query<{ pos: string }>(`SELECT pos FROM "${schema}".history ORDER BY pos`);
    expect(pos.rows.map((r) => Number(r.pos))).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(await s.historyLength('alpha')).toBe(30);
    expect((await s.history('alpha', { limit: 30 })).map((e) => e.at).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 30 }, (_, i) => i),
    );
  });

  it('serves a page of a 20,000-entry history from the index, not a scan', async () => {
    const schema = await pg.schema();
    const s = new PostgresStateStore({ pool: pg.pool, schema });
    await pg.pool.query(
      `INSERT INTO "${schema}".history (name, pos, entry) SELECT 'alpha', g, json_build_object('type','check','at',g) FROM generate_series(0, 19999) g`,
    );
    await pg.pool.query(`INSERT INTO "${schema}".history_heads VALUES ('alpha', 20000)`);
    await pg.pool.query(`ANALYZE "${schema}".history`);
    expect((await s.history('alpha', { limit: 2 })).map((e) => e.at)).toEqual([19998, 19999]);
    const plan = await pg.pool.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT pos, entry FROM "${schema}".history WHERE name = 'alpha' AND pos < 20000 ORDER BY pos DESC LIMIT 2`,
    );
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toMatch(/Index Scan Backward/);
    expect(text).not.toMatch(/Seq Scan/);
  });

  it.each([{ before: -1 }, { limit: 1.5 }])('refuses the page %j with E_USAGE', async (page) => {
    expect(await codeOf((await store()).history('alpha', page))).toBe('E_USAGE');
  });
});

describe('postgres records', () => {
  it('keeps text byte for byte, NUL and astral characters included', async () => {
    const s = await store();
    const reason = 'nul \u0000 tab \t emoji \u{1F680} quote " backslash \\';
    const saved = await s.save(record('alpha', { summary: { ...record('alpha').summary, reason } }), 0);
    expect((await s.load('alpha'))?.summary.reason).toBe(reason);
    expect(saved.summary.reason).toBe(reason);
    await s.appendHistory('alpha', { type: 'spec', at: 1, specHash: 'h', source: reason });
    expect(await s.history('alpha')).toEqual([{ v: 1, type: 'spec', at: 1, specHash: 'h', source: reason }]);
  });

  it('says "run stagegate state migrate" when the tables are missing', async () => {
    const s = new PostgresStateStore({ pool: pg.pool, schema: 'never_migrated' });
    const err = await s.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StagegateError);
    expect((err as StagegateError).code).toBe('E_STORE_IO');
    expect((err as StagegateError).message).toMatch(/run "stagegate state migrate"/);
  });

  it('fails typed and without the password when the server is unreachable', async () => {
    const pool = createPool({ url: 'postgres://stagegate:s3cret-pw@127.0.0.1:1/nowhere' });
    const s = new PostgresStateStore({ pool, schema: 'stagegate', ownsPool: true });
    const err = await s.load('alpha').catch((e: unknown) => e);
    await s.close();
    expect((err as StagegateError).code).toBe('E_STORE_IO');
    expect(JSON.stringify({ m: (err as Error).message, d: (err as StagegateError).details })).not.toContain(
      's3cret',
    );
  });

  it('passes typed errors through storeError unchanged', () => {
    const typed = new StagegateError('E_FENCED', 'x');
    expect(storeError(typed, 'save')).toBe(typed);
  });
});

describe('postgres fenced writes', () => {
  it('accepts the current epoch and records it on the row', async () => {
    const schema = await pg.schema();
    const s = new PostgresStateStore({ pool: pg.pool, schema });
    await setLease(schema, 'a', 3);
    const saved = await s.saveFenced(record('alpha'), 0, { holder: 'a', epoch: 3 });
    expect(saved.version).toBe(1);
    await s.appendHistoryFenced('alpha', check(1), { holder: 'a', epoch: 3 });
    const row = await pg.pool.query(`SELECT epoch::int AS epoch FROM "${schema}".records`);
    expect(row.rows).toEqual([{ epoch: 3 }]);
    const hist = await pg.pool.query(`SELECT epoch::int AS epoch FROM "${schema}".history`);
    expect(hist.rows).toEqual([{ epoch: 3 }]);
  });

  it('refuses an older epoch with E_FENCED and writes nothing', async () => {
    const schema = await pg.schema();
    const s = new PostgresStateStore({ pool: pg.pool, schema });
    await setLease(schema, 'a', 3);
    await s.saveFenced(record('alpha'), 0, { holder: 'a', epoch: 3 });
    await setLease(schema, 'b', 4);
    expect(await codeOf(s.saveFenced(record('alpha'), 1, { holder: 'a', epoch: 3 }))).toBe('E_FENCED');
    expect(await codeOf(s.appendHistoryFenced('alpha', check(2), { holder: 'a', epoch: 3 }))).toBe(
      'E_FENCED',
    );
    expect(await codeOf(s.saveFenced(record('alpha'), 1, { holder: 'b', epoch: 3 }))).toBe('E_FENCED');
    expect((await s.load('alpha'))?.version).toBe(1);
    expect(await s.history('alpha')).toEqual([]);
  });

  it('refuses any epoch while nobody holds the lease', async () => {
    const s = await store();
    expect(await codeOf(s.saveFenced(record('alpha'), 0, { holder: 'a', epoch: 1 }))).toBe('E_FENCED');
  });

  it('orders a takeover after a fenced save in flight: the save commits, the next one is refused', async () => {
    const schema = await pg.schema();
    const s = new PostgresStateStore({ pool: pg.pool, schema });
    await setLease(schema, 'a', 1);
    const client = await pg.pool.connect();
    try {
      // hold the share lock a fenced save takes, as a save in flight would
      await client.query('BEGIN');
      await client.query(`SELECT epoch FROM "${schema}".lease WHERE id = 1 FOR SHARE`);
      const takeover = setLease(schema, 'b', 2);
      const raced = await Promise.race([
        takeover.then(() => 'took over'),
        new Promise((r) => setTimeout(() => r('waits'), 300)),
      ]);
      expect(raced).toBe('waits');
      await client.query('COMMIT');
      await takeover;
    } finally {
      client.release();
    }
    expect(await codeOf(s.saveFenced(record('alpha'), 0, { holder: 'a', epoch: 1 }))).toBe('E_FENCED');
  });

  it('commits a fenced save and its history in one transaction: a takeover in between refuses both', async () => {
    const schema = await pg.schema();
    const s = new PostgresStateStore({ pool: pg.pool, schema });
    await setLease(schema, 'a', 3);
    await s.saveFenced(record('alpha'), 0, { holder: 'a', epoch: 3 }, { history: [check(1), check(2)] });
    const rows = await pg.pool.query(
      `SELECT pos::int AS pos, epoch::int AS epoch FROM "${schema}".history ORDER BY pos`,
    );
    expect(rows.rows).toEqual([
      { pos: 0, epoch: 3 },
      { pos: 1, epoch: 3 },
    ]);
    await setLease(schema, 'b', 4);
    expect(
      await codeOf(s.saveFenced(record('alpha'), 1, { holder: 'a', epoch: 3 }, { history: [check(3)] })),
    ).toBe('E_FENCED');
    expect((await s.history('alpha')).map((e) => e.at)).toEqual([1, 2]);
    expect(await s.historyLength('alpha')).toBe(2);
  });
});
