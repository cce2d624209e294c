import { describe, expect, it } from 'vitest';
import { createPool, inTransaction, storeError } from '../../../src/store/postgres/pool.js';
import { usePostgres } from '../pg-fixture.js';

const pg = usePostgres();

describe('postgres pool', () => {
  it('commits a transaction that returns and rolls back one that throws', async () => {
    const schema = await pg.schema();
    const table = `"${schema}".pool_probe`;
    await pg.pool.query(`CREATE TABLE ${table} (n int)`);
    await inTransaction(pg.pool, (c) => c.query(`INSERT INTO ${table} VALUES (1)`));
    await expect(
      inTransaction(pg.pool, async (c) => {
        await c.query(`INSERT INTO ${table} VALUES (2)`);
        throw new Error('step failed');
      }),
    ).rejects.toThrow('step failed');
    const rows = await pg.pool.query<{ n: number }>(`SELECT n FROM ${table} ORDER BY n`);
    expect(rows.rows).toEqual([{ n: 1 }]);
  });

  it('sets the session limits a frozen leader must not outlive', async () => {
    const pool = createPool({
      url: pg.db.url,
      idleInTransactionMs: 700,
      lockTimeoutMs: 300,
      applicationName: 'probe',
    });
    try {
      const res = await pool.query<{ idle: string; lock: string; app: string }>(
        `SELECT current_setting('idle_in_transaction_session_timeout') AS idle,
                current_setting('lock_timeout') AS lock, current_setting('application_name') AS app`,
      );
      expect(res.rows).toEqual([{ idle: '700ms', lock: '300ms', app: 'probe' }]);
    } finally {
      await pool.end();
    }
  });

  it('types an unreachable server as E_STORE_IO without the connection string', async () => {
    const pool = createPool({ url: 'postgres://stagegate:s3cret@127.0.0.1:1/none' });
    try {
      const err = storeError(await pool.query('SELECT 1').catch((e: unknown) => e), 'load');
      expect(err.code).toBe('E_STORE_IO');
      expect(err.message).toMatch(/^postgres state store: load: /);
      expect(err.message).not.toContain('s3cret');
    } finally {
      await pool.end();
    }
  });
});
