import type pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { migrate } from '../../src/store/postgres/migrate.js';
import { createPool } from '../../src/store/postgres/pool.js';
import { createTestDatabase, stopTestServer, type TestDatabase } from './pg-test-db.js';

/* One database per test file, a fresh migrated schema per test: no test sees another's rows. */
export interface PgFixture {
  readonly db: TestDatabase;
  readonly pool: pg.Pool;
  /** a new schema name, migrated */
  schema(): Promise<string>;
}

export function usePostgres(): PgFixture {
  let db: TestDatabase | undefined;
  let pool: pg.Pool | undefined;
  let n = 0;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool({ url: db.url });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
    await stopTestServer();
  });
  return {
    get db() {
      if (!db) throw new Error('usePostgres: database not created yet');
      return db;
    },
    get pool() {
      if (!pool) throw new Error('usePostgres: pool not created yet');
      return pool;
    },
    async schema() {
      const name = `t${++n}`;
      await migrate(this.pool, name);
      return name;
    },
  };
}
