import { describe, expect, it } from 'vitest';
import { StagegateError } from '../../../src/errors.js';
import { migrate } from '../../../src/store/postgres/migrate.js';
import { MIGRATIONS } from '../../../src/store/postgres/migrations.js';
import { createPool } from '../../../src/store/postgres/pool.js';
import { PostgresStateStore } from '../../../src/store/postgres/postgres-store.js';
import { record } from '../helpers.js';
import { usePostgres } from '../pg-fixture.js';

const pg = usePostgres();
const latest = Math.max(...MIGRATIONS.map((m) => m.id));

async function tables(schema: string): Promise<string[]> {
  const res = await pg.pool.query<{ tablename: string }>(
    'SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename',
    [schema],
  );
  return res.rows.map((r) => r.tablename);
}

describe('postgres migrations', () => {
  it('creates the schema and its tables, then finds nothing to do', async () => {
    const first = await migrate(pg.pool, 'm_once');
    expect(first).toEqual({ applied: MIGRATIONS.map((m) => m.id), version: latest });
    expect(await tables('m_once')).toEqual([
      'commands',
      'history',
      'history_heads',
      'lease',
      'migrations',
      'records',
    ]);
    const store = new PostgresStateStore({ pool: pg.pool, schema: 'm_once' });
    await store.save(record('alpha'), 0);
    const again = await migrate(pg.pool, 'm_once');
    expect(again).toEqual({ applied: [], version: latest });
    expect((await store.load('alpha'))?.version).toBe(1);
  });

  it('applies each migration exactly once with three replicas starting at once', async () => {
    // three pools: three replicas' connections, racing for the same schema
    const pools = [0, 1, 2].map(() => createPool({ url: pg.db.url, max: 1 }));
    try {
      const results = await Promise.all(pools.map((p) => migrate(p, 'm_race')));
      expect(results.map((r) => r.version)).toEqual([latest, latest, latest]);
      expect(results.flatMap((r) => r.applied).sort()).toEqual(MIGRATIONS.map((m) => m.id).sort());
      const rows = await pg.pool.query('SELECT id FROM m_race.migrations');
      expect(rows.rowCount).toBe(MIGRATIONS.length);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('refuses a schema migrated by a newer stagegate', async () => {
    await migrate(pg.pool, 'm_newer');
    await pg.pool.query(
      `INSERT INTO m_newer.migrations (id, name) VALUES (${latest + 1}, 'from-the-future')`,
    );
    const err = await migrate(pg.pool, 'm_newer').catch((e: unknown) => e);
    expect((err as StagegateError).code).toBe('E_STORE_IO');
    expect((err as Error).message).toMatch(/newer than this stagegate knows/);
  });

  it('rolls a failing migration back whole and records nothing', async () => {
    const broken = [
      ...MIGRATIONS,
      {
        id: latest + 1,
        name: 'broken',
        sql: (s: string) => [`CREATE TABLE ${s}.half (id int)`, 'SELECT nonsense('],
      },
    ];
    await migrate(pg.pool, 'm_broken');
    const err = await migrate(pg.pool, 'm_broken', { migrations: broken }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StagegateError);
    expect(await tables('m_broken')).not.toContain('half');
    const ids = await pg.pool.query<{ id: number }>('SELECT id FROM m_broken.migrations ORDER BY id');
    expect(ids.rows.map((r) => r.id)).toEqual(MIGRATIONS.map((m) => m.id));
    // the advisory lock was released: a later run is not blocked
    expect(await migrate(pg.pool, 'm_broken')).toEqual({ applied: [], version: latest });
  });

  it.each(['Stagegate', 'a-b', 'x;drop', ''])('refuses the schema name %j', async (schema) => {
    expect(((await migrate(pg.pool, schema).catch((e: unknown) => e)) as StagegateError).code).toBe(
      'E_CONFIG_INVALID',
    );
  });

  it('runs with a role that has grants on its own schema only', async () => {
    const role = `${pg.db.name}_app`;
    await pg.pool.query(`CREATE ROLE ${role} LOGIN PASSWORD 'app-pw'`);
    try {
      await pg.pool.query(`CREATE SCHEMA m_role AUTHORIZATION ${role}`);
      await pg.pool.query(`REVOKE CREATE ON DATABASE ${pg.db.name} FROM PUBLIC`);
      const url = new URL(pg.db.url);
      url.username = role;
      url.password = 'app-pw';
      const pool = createPool({ url: url.toString(), max: 1 });
      try {
        expect((await migrate(pool, 'm_role')).version).toBe(latest);
        const store = new PostgresStateStore({ pool, schema: 'm_role' });
        expect((await store.save(record('alpha'), 0)).version).toBe(1);
        const err = await migrate(pool, 'm_elsewhere').catch((e: unknown) => e);
        expect((err as StagegateError).code).toBe('E_STORE_IO');
      } finally {
        await pool.end();
      }
    } finally {
      await pg.pool.query(`DROP SCHEMA IF EXISTS m_role CASCADE`);
      await pg.pool.query(`DROP ROLE ${role}`);
    }
  });
});
