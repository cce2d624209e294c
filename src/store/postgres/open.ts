import { StagegateError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { PgCommandQueue } from './command-queue.js';
import { PgLeadership } from './leadership.js';
import { readLease } from './lease-sql.js';
import { PgListener } from './listener.js';
import { migrate, type MigrateResult } from './migrate.js';
import { createPool, storeError } from './pool.js';
import { PostgresStateStore } from './postgres-store.js';
import { quoteSchema } from './sql-ident.js';
import type { LeaseInfo } from '../../ports/leadership.js';

/*
 * Everything `stagegate run` needs from PostgreSQL, opened in the order that
 * is safe with several replicas starting at once: migrate (under the advisory
 * lock), then the store, the command queue and the lease. Leadership has a
 * pool of its own so renewals never wait behind the store's queries.
 */
export interface PostgresStateConfig {
  readonly url: string;
  readonly schema: string;
  readonly leaseSeconds: number;
}

export interface PostgresState {
  readonly store: PostgresStateStore;
  readonly leadership: PgLeadership;
  readonly commands: PgCommandQueue;
  readonly migrated: MigrateResult;
  /** releases the lease and closes every connection */
  close(): Promise<void>;
}

export async function openPostgresState(
  config: PostgresStateConfig,
  opts: {
    readonly logger?: Logger;
    readonly self?: string;
    readonly pollMs?: number;
    /** how long a start waits for an unreachable database before failing; default 30 s */
    readonly startRetryMs?: number;
  } = {},
): Promise<PostgresState> {
  const leaseMs = config.leaseSeconds * 1000;
  // a frozen leader's open transaction is ended well within the lease, so it never delays a takeover
  const pool = createPool({
    url: config.url,
    logger: opts.logger,
    applicationName: 'stagegate store',
    idleInTransactionMs: Math.min(1_000, leaseMs / 2),
  });
  // a lease attempt never hangs behind a row lock: it fails and the next attempt comes a poll later
  const leasePool = createPool({
    url: config.url,
    logger: opts.logger,
    applicationName: 'stagegate lease',
    max: 2,
    lockTimeoutMs: leaseMs / 3,
  });
  const listener = new PgListener(config.url, opts.logger);
  try {
    const migrated = await migrateWhenReachable(
      pool,
      config.schema,
      opts.logger,
      opts.startRetryMs ?? 30_000,
    );
    const store = new PostgresStateStore({ pool, schema: config.schema });
    const commands = new PgCommandQueue(pool, config.schema, listener);
    const leadership = new PgLeadership({
      pool: leasePool,
      schema: config.schema,
      leaseSeconds: config.leaseSeconds,
      listener,
      logger: opts.logger,
      self: opts.self,
      pollMs: opts.pollMs,
    });
    await leadership.start();
    return {
      store,
      leadership,
      commands,
      migrated,
      close: async () => {
        await leadership.stop();
        await listener.stop();
        await Promise.all([pool.end(), leasePool.end()]);
      },
    };
  } catch (err) {
    await listener.stop();
    await Promise.all([pool.end(), leasePool.end()]);
    throw err;
  }
}

/**
 * A replica started while the database is briefly unreachable (a failover of
 * the database itself, a slow connect on a loaded host) retries instead of
 * exiting; a schema newer than this stagegate, or a refused role, fails at once.
 */
async function migrateWhenReachable(
  pool: ReturnType<typeof createPool>,
  schema: string,
  logger: Logger | undefined,
  budgetMs: number,
): Promise<MigrateResult> {
  const end = Date.now() + budgetMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await migrate(pool, schema, { logger });
    } catch (err) {
      if (!retriableAtStart(err) || Date.now() >= end) throw err;
      logger?.warn({ attempt, error: err.message }, 'postgres not reachable yet, retrying');
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

/*
 * storeError puts the driver's code in `pgCode`, a SQLSTATE or a socket errno:
 * a refused or reset connection (the server restarting) and "starting up" /
 * "shutting down" are worth the wait; a refused login, a missing database, a
 * malformed URL or a schema newer than this stagegate (`known`) are not.
 */
const TRANSIENT_CODES: ReadonlySet<unknown> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01',
  '57P03',
]);

function retriableAtStart(err: unknown): err is StagegateError {
  if (!(err instanceof StagegateError) || err.code !== 'E_STORE_IO' || err.details.known !== undefined) {
    return false;
  }
  return err.details.pgCode === undefined || TRANSIENT_CODES.has(err.details.pgCode);
}

/** Who holds the lease, for `status` and a follower's /readyz, without taking part in the election. */
export async function describeLease(config: Pick<PostgresStateConfig, 'url' | 'schema'>): Promise<LeaseInfo> {
  const s = quoteSchema(config.schema);
  const pool = createPool({ url: config.url, max: 1 });
  try {
    return await readLease(pool, s);
  } catch (err) {
    // typed like every other store failure: exit code 3, and a missing schema says to migrate
    throw storeError(err, 'read lease');
  } finally {
    await pool.end();
  }
}
