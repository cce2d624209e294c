import type { Logger } from '../../log.js';
import { PgCommandQueue } from './command-queue.js';
import { PgLeadership } from './leadership.js';
import { readLease } from './lease-sql.js';
import { PgListener } from './listener.js';
import { migrate, type MigrateResult } from './migrate.js';
import { createPool } from './pool.js';
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
  opts: { readonly logger?: Logger; readonly self?: string; readonly pollMs?: number } = {},
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
    const migrated = await migrate(pool, config.schema, { logger: opts.logger });
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

/** Who holds the lease, for `status` and a follower's /readyz, without taking part in the election. */
export async function describeLease(config: Pick<PostgresStateConfig, 'url' | 'schema'>): Promise<LeaseInfo> {
  const pool = createPool({ url: config.url, max: 1 });
  try {
    return await readLease(pool, quoteSchema(config.schema));
  } finally {
    await pool.end();
  }
}
