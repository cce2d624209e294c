import type pg from 'pg';
import { StagegateError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import { storeError } from './pool.js';
import { quoteSchema } from './sql-ident.js';

/*
 * Applies the pending migrations of one schema. Several replicas start at
 * once, so the whole run holds a session advisory lock keyed by the schema:
 * the first applies, the others wait and then find nothing to do. Each
 * migration runs in its own transaction together with its row in
 * `migrations`, so a crash leaves it either applied and recorded or neither.
 * A database migrated by a newer stagegate is refused rather than written
 * with an older idea of the tables.
 */
export interface MigrateResult {
  readonly applied: readonly number[];
  readonly version: number;
}

export async function migrate(
  pool: pg.Pool,
  schema: string,
  opts: { readonly logger?: Logger; readonly migrations?: readonly Migration[] } = {},
): Promise<MigrateResult> {
  const s = quoteSchema(schema);
  const migrations = opts.migrations ?? MIGRATIONS;
  const lockKey = `stagegate-migrate:${schema}`;
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw storeError(err, 'connect');
  }
  // a session the server ends while we hold it must not crash the process: the query in flight fails instead
  client.on('error', () => undefined);
  let unlocked = false;
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    try {
      const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      // only when missing: a role granted just its schema may not CREATE on the database
      if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${s}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${s}.migrations (
           id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const done = new Set(
        (await client.query<{ id: number }>(`SELECT id FROM ${s}.migrations`)).rows.map((r) => r.id),
      );
      const known = Math.max(0, ...migrations.map((m) => m.id));
      const newest = Math.max(0, ...done);
      if (newest > known) {
        throw new StagegateError(
          'E_STORE_IO',
          `postgres state schema "${schema}" is at migration ${newest}, newer than this stagegate knows (${known}): upgrade stagegate`,
          { schema, version: newest, known },
        );
      }
      const applied: number[] = [];
      for (const m of [...migrations].sort((a, b) => a.id - b.id)) {
        if (done.has(m.id)) continue;
        await client.query('BEGIN');
        try {
          for (const statement of m.sql(s)) await client.query(statement);
          await client.query(`INSERT INTO ${s}.migrations (id, name) VALUES ($1, $2)`, [m.id, m.name]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw storeError(err, `migration ${m.id} ${m.name}`);
        }
        applied.push(m.id);
        opts.logger?.info({ schema, migration: m.id, name: m.name }, 'state migration applied');
      }
      return { applied, version: Math.max(newest, ...applied) };
    } finally {
      unlocked = await client
        .query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey])
        .then(() => true)
        .catch(() => false);
    }
  } catch (err) {
    throw storeError(err, 'migrate');
  } finally {
    // a client that may still hold the lock is destroyed, never handed back to the pool
    client.release(unlocked ? undefined : true);
  }
}
