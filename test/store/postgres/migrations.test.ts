import { describe, expect, it } from 'vitest';
import { migrate } from '../../../src/store/postgres/migrate.js';
import { MIGRATIONS } from '../../../src/store/postgres/migrations.js';
import { PostgresStateStore } from '../../../src/store/postgres/postgres-store.js';
import { quoteSchema } from '../../../src/store/postgres/sql-ident.js';
import { historyEntry, parseCheckDetail } from '../../../src/ports/history.js';
import { record } from '../helpers.js';
import { usePostgres } from '../pg-fixture.js';

/* The list itself: what each entry creates, applied by hand here so migrate.ts is not what is under test. */

const pg = usePostgres();

/** every MIGRATIONS statement, in order, on a new schema: no migrate.ts, no migrations table */
async function applyByHand(schema: string): Promise<void> {
  await pg.pool.query(`CREATE SCHEMA ${quoteSchema(schema)}`);
  for (const m of MIGRATIONS)
    for (const statement of m.sql(quoteSchema(schema))) await pg.pool.query(statement);
}

/** table → "column type nullability", the shape the store's SQL relies on */
async function columns(schema: string): Promise<Record<string, string[]>> {
  const res = await pg.pool.query<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: string;
  }>(
    `SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
      WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
    [schema],
  );
  const out: Record<string, string[]> = {};
  for (const r of res.rows) {
    (out[r.table_name] ??= []).push(
      `${r.column_name} ${r.data_type}${r.is_nullable === 'NO' ? ' not null' : ''}`,
    );
  }
  return out;
}

async function indexes(schema: string): Promise<string[]> {
  const res = await pg.pool.query<{ indexname: string }>(
    'SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname',
    [schema],
  );
  return res.rows.map((r) => r.indexname);
}

async function pgCodeOf(sql: string): Promise<string | undefined> {
  const err = await pg.pool.query(sql).then(
    () => undefined,
    (e: unknown) => e,
  );
  return (err as { code?: string } | undefined)?.code;
}

describe('MIGRATIONS', () => {
  it('numbers its entries 1, 2, 3 ... in list order, with distinct kebab-case names', () => {
    expect(MIGRATIONS.map((m) => m.id)).toEqual(MIGRATIONS.map((_m, i) => i + 1));
    const names = MIGRATIONS.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('qualifies every statement with the schema it is given', () => {
    for (const m of MIGRATIONS) {
      const statements = m.sql('"probe_schema"');
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) expect(statement).toContain('"probe_schema".');
    }
  });

  it('creates the tables and columns the store queries, on a fresh schema', async () => {
    await applyByHand('by_hand');
    expect(await columns('by_hand')).toEqual({
      commands: [
        'id bigint not null',
        'rollout text not null',
        'command text not null',
        'by text not null',
        'reason text',
        'created_at timestamp with time zone not null',
        'taken_by text',
        'taken_epoch bigint',
        'taken_at timestamp with time zone',
        'done_at timestamp with time zone',
        'result json',
      ],
      history: ['name text not null', 'pos bigint not null', 'entry json not null', 'epoch bigint not null'],
      history_heads: ['name text not null', 'length bigint not null'],
      lease: [
        'id smallint not null',
        'holder text',
        'epoch bigint not null',
        'expires_at timestamp with time zone not null',
        'acquired_at timestamp with time zone not null',
      ],
      records: [
        'name text not null',
        'version integer not null',
        'record json not null',
        'epoch bigint not null',
        'updated_at timestamp with time zone not null',
      ],
    });
    expect(await indexes('by_hand')).toEqual([
      'commands_open',
      'commands_pkey',
      'history_heads_pkey',
      'history_pkey',
      'lease_pkey',
      'records_pkey',
    ]);
  });

  it('enforces what the store counts on: versions from 1, a single lease row, one entry per position', async () => {
    await applyByHand('checks');
    expect(await pgCodeOf(`INSERT INTO checks.records (name, version, record) VALUES ('a', 0, '{}')`)).toBe(
      '23514',
    );
    expect(
      await pgCodeOf(
        `INSERT INTO checks.lease (id, epoch, expires_at, acquired_at) VALUES (2, 1, now(), now())`,
      ),
    ).toBe('23514');
    await pg.pool.query(`INSERT INTO checks.history (name, pos, entry) VALUES ('a', 1, '{}')`);
    expect(await pgCodeOf(`INSERT INTO checks.history (name, pos, entry) VALUES ('a', 1, '{}')`)).toBe(
      '23505',
    );
  });

  it('is all a store needs: save, history and list work on a schema built from the list alone', async () => {
    await applyByHand('store_ok');
    const store = new PostgresStateStore({ pool: pg.pool, schema: 'store_ok' });
    const entry = historyEntry({
      type: 'check',
      at: 1,
      stage: 'canary',
      percent: 2,
      detail: parseCheckDetail({}),
    });
    const saved = await store.save(record('alpha'), 0, { history: [entry] });
    expect(saved.version).toBe(1);
    expect(await store.load('alpha')).toEqual(saved);
    expect(await store.history('alpha')).toEqual([entry]);
    expect((await store.list()).map((r) => r.name)).toEqual(['alpha']);
  });

  it('keeps a record byte for byte: json, not jsonb (key order and \\u0000 survive)', async () => {
    await applyByHand('bytes');
    const store = new PostgresStateStore({ pool: pg.pool, schema: 'bytes' });
    const saved = await store.save(record('alpha', { specHash: 'nul\u0000inside' }), 0);
    expect((await store.load('alpha'))?.specHash).toBe('nul\u0000inside');
    expect(Object.keys((await store.load('alpha')) ?? {})).toEqual(Object.keys(saved));
  });

  it('gives through migrate, run twice, the same schema as by hand and applies nothing the second time', async () => {
    await applyByHand('ref');
    const first = await migrate(pg.pool, 'twice');
    const shape = await columns('twice');
    const second = await migrate(pg.pool, 'twice');
    expect(first.applied).toEqual(MIGRATIONS.map((m) => m.id));
    expect(second.applied).toEqual([]);
    expect(await columns('twice')).toEqual(shape);
    const { migrations, ...tables } = shape;
    expect(migrations).toEqual([
      'id integer not null',
      'name text not null',
      'applied_at timestamp with time zone not null',
    ]);
    expect(tables).toEqual(await columns('ref'));
  });
});
