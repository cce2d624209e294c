import pg from 'pg';
import { StagegateError } from '../../errors.js';
import type { Logger } from '../../log.js';

/*
 * One pg Pool per process and database. A session idle inside a transaction
 * is ended by the server after `idleInTransactionMs` (default 1 s): a leader
 * frozen mid-transaction (SIGSTOP, a VM pause) would otherwise keep its row
 * lock on the lease row (the fenced save reads it FOR SHARE) and no follower
 * could take the lease over until it woke up: the failover test found that. `allowExitOnIdle` lets a CLI command
 * (status, pause) end when its queries are done without closing the store by
 * hand; an idle client that the server drops emits 'error' on the pool, which
 * would crash the process if nobody listened, so it is logged instead.
 */
export interface PoolOptions {
  readonly url: string;
  readonly logger?: Logger;
  /** shows in pg_stat_activity, so a DBA can tell replicas apart */
  readonly applicationName?: string;
  readonly max?: number;
  /** the server ends a session idle in a transaction this long; default 1000 ms */
  readonly idleInTransactionMs?: number;
  /** a statement waiting this long for a row lock fails instead of hanging (lease attempts); default none */
  readonly lockTimeoutMs?: number;
}

export function createPool(opts: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: opts.url,
    application_name: opts.applicationName ?? 'stagegate',
    max: opts.max ?? 5,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 10_000,
    allowExitOnIdle: true,
    idle_in_transaction_session_timeout: Math.max(1, Math.round(opts.idleInTransactionMs ?? 1_000)),
    ...(opts.lockTimeoutMs !== undefined && { lock_timeout: Math.max(1, Math.round(opts.lockTimeoutMs)) }),
  });
  pool.on('error', (err: Error) => {
    opts.logger?.warn({ err: { message: err.message } }, 'postgres idle client error');
  });
  return pool;
}

function pgCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A driver failure as a typed store error: unreachable, refused or not
 * migrated. The connection string never appears (it may hold a password).
 */
export function storeError(err: unknown, action: string): StagegateError {
  if (err instanceof StagegateError) return err;
  const code = pgCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code === '42P01' || code === '3F000') {
    return new StagegateError(
      'E_STORE_IO',
      `postgres state store: ${action}: tables missing, run "stagegate state migrate"`,
      { pgCode: code },
      { cause: err },
    );
  }
  return new StagegateError(
    'E_STORE_IO',
    `postgres state store: ${action}: ${message}`,
    code === undefined ? {} : { pgCode: code },
    { cause: err },
  );
}

/** Runs `fn` in one transaction on one client; rolls back on any throw. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // the server may end the session between two statements (idle-in-transaction timeout after a freeze):
  // a checked-out client then emits 'error', which would crash the process without a listener
  let broken: Error | undefined;
  const onError = (err: Error): void => {
    broken = err;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    if (broken === undefined) await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
