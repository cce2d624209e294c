import { checkExpectedVersion, conflictError } from '../store-errors.js';
import { checkRecord } from '../../ports/record-schema.js';
import type pg from 'pg';
import { StagegateError } from '../../errors.js';
import type { FenceableStore, FenceToken } from '../../ports/leadership.js';
import { decodeHistoryEntry } from '../../ports/history.js';
import type { HistoryEntry, HistoryPage, RolloutRecord, SaveOptions } from '../../ports/state-store.js';
import { assertRolloutName } from '../rollout-name.js';
import { inTransaction, storeError } from './pool.js';
import { quoteSchema } from './sql-ident.js';

/*
 * The StateStore contract on PostgreSQL (issue 14), the same semantics as the
 * file and memory stores: versions from 1, E_STORE_CONFLICT when the stored
 * version is not the expected one (decided by the UPDATE's WHERE, so two
 * replicas cannot both win), history in append order. History positions are
 * numbered by the row of `history_heads`, whose row lock orders concurrent
 * appends; a page is read backwards on the (name, pos) key, touching only the
 * rows it returns.
 *
 * A save with history (SaveOptions) is one transaction: the record's
 * version-checked UPDATE and the entries' inserts commit together or not at
 * all, so a conflict appends nothing and a kill loses nothing.
 *
 * The fenced writes first take a share lock on the lease row and compare its
 * epoch with the token in the same transaction. A takeover updates that row,
 * so it waits for a fenced write in flight and every later fenced write of
 * the old epoch sees the new epoch and is refused with E_FENCED.
 */

type Queryable = pg.Pool | pg.PoolClient;

export interface PostgresStoreOptions {
  readonly pool: pg.Pool;
  readonly schema: string;
  /** end the pool on close(): true when the store created it */
  readonly ownsPool?: boolean;
}

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function checkPage(page: HistoryPage): void {
  for (const [key, value] of Object.entries(page)) {
    if (value !== undefined && (!Number.isInteger(value) || (value as number) < 0)) {
      throw new StagegateError(
        'E_USAGE',
        `history page ${key} must be a whole number >= 0, got ${String(value)}`,
      );
    }
  }
}

/** Rows through the one history codec, like the file and memory stores: every reader sees the current shape. */
function decodedEntries(rows: readonly unknown[]): HistoryEntry[] {
  return rows.flatMap((r) => {
    const decoded = decodeHistoryEntry((r as { entry: unknown }).entry);
    return decoded.ok ? [decoded.value] : [];
  });
}

export class PostgresStateStore implements FenceableStore {
  private readonly pool: pg.Pool;
  private readonly s: string;
  private readonly ownsPool: boolean;

  constructor(opts: PostgresStoreOptions) {
    this.pool = opts.pool;
    this.s = quoteSchema(opts.schema);
    this.ownsPool = opts.ownsPool ?? false;
  }

  async load(name: string): Promise<RolloutRecord | undefined> {
    assertRolloutName(name);
    const res = await this.run(
      'load',
      this.pool,
      `SELECT record, version FROM ${this.s}.records WHERE name = $1`,
      [name],
    );
    const row = res.rows[0] as { record: RolloutRecord; version: number } | undefined;
    return row === undefined ? undefined : { ...row.record, version: row.version };
  }

  async save(record: RolloutRecord, expectedVersion: number, opts: SaveOptions = {}): Promise<RolloutRecord> {
    assertRolloutName(record.name);
    checkRecord(record);
    checkExpectedVersion(expectedVersion);
    const entries = opts.history ?? [];
    if (entries.length === 0) return this.write(this.pool, record, expectedVersion, 0);
    try {
      return await inTransaction(this.pool, (client) =>
        this.commit(client, record, expectedVersion, entries, 0),
      );
    } catch (err) {
      throw storeError(err, 'save');
    }
  }

  async saveFenced(
    record: RolloutRecord,
    expectedVersion: number,
    token: FenceToken,
    opts: SaveOptions = {},
  ): Promise<RolloutRecord> {
    assertRolloutName(record.name);
    checkRecord(record);
    checkExpectedVersion(expectedVersion);
    const entries = opts.history ?? [];
    return this.fenced('save', token, (client) =>
      this.commit(client, record, expectedVersion, entries, token.epoch),
    );
  }

  async appendHistory(name: string, entry: HistoryEntry): Promise<void> {
    assertRolloutName(name);
    await this.append(this.pool, name, entry, 0);
  }

  async appendHistoryFenced(name: string, entry: HistoryEntry, token: FenceToken): Promise<void> {
    assertRolloutName(name);
    await this.fenced('append history', token, (client) => this.append(client, name, entry, token.epoch));
  }

  async history(name: string, page?: HistoryPage): Promise<HistoryEntry[]> {
    assertRolloutName(name);
    if (page === undefined || (page.before === undefined && page.limit === undefined)) {
      const res = await this.run(
        'history',
        this.pool,
        `SELECT entry FROM ${this.s}.history WHERE name = $1 ORDER BY pos`,
        [name],
      );
      return decodedEntries(res.rows);
    }
    checkPage(page);
    // newest first on the primary key, then back to append order
    const res = await this.run(
      'history',
      this.pool,
      `SELECT entry FROM (
         SELECT pos, entry FROM ${this.s}.history
         WHERE name = $1 ORDER BY pos DESC OFFSET $2 LIMIT $3
       ) page ORDER BY pos`,
      [name, page.before ?? 0, page.limit ?? null],
    );
    return decodedEntries(res.rows);
  }

  /** how many entries the history of `name` has (the API pages from it) */
  async historyLength(name: string): Promise<number> {
    assertRolloutName(name);
    const res = await this.run(
      'history',
      this.pool,
      `SELECT length FROM ${this.s}.history_heads WHERE name = $1`,
      [name],
    );
    const row = res.rows[0] as { length: string } | undefined;
    return row === undefined ? 0 : Number(row.length);
  }

  async list(): Promise<RolloutRecord[]> {
    const res = await this.run('list', this.pool, `SELECT record, version FROM ${this.s}.records`, []);
    return res.rows
      .map((r) => {
        const row = r as { record: RolloutRecord; version: number };
        return { ...row.record, version: row.version };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** every rollout name with a record or a history, for export */
  async names(): Promise<string[]> {
    const res = await this.run(
      'list',
      this.pool,
      `SELECT name FROM ${this.s}.records UNION SELECT name FROM ${this.s}.history_heads`,
      [],
    );
    return res.rows.map((r) => (r as { name: string }).name).sort((a, b) => a.localeCompare(b));
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }

  private async write(
    db: Queryable,
    record: RolloutRecord,
    expectedVersion: number,
    epoch: number,
  ): Promise<RolloutRecord> {
    const stored = copy({ ...record, version: expectedVersion + 1 });
    const json = JSON.stringify(stored);
    const res =
      expectedVersion === 0
        ? await this.run(
            'save',
            db,
            `INSERT INTO ${this.s}.records (name, version, record, epoch) VALUES ($1, 1, $2, $3)
             ON CONFLICT (name) DO NOTHING`,
            [record.name, json, epoch],
          )
        : await this.run(
            'save',
            db,
            `UPDATE ${this.s}.records SET version = version + 1, record = $3, epoch = $4, updated_at = now()
             WHERE name = $1 AND version = $2`,
            [record.name, expectedVersion, json, epoch],
          );
    if (res.rowCount === 1) return stored;
    const now = await this.run('save', db, `SELECT version FROM ${this.s}.records WHERE name = $1`, [
      record.name,
    ]);
    const storedVersion = (now.rows[0] as { version: number } | undefined)?.version ?? 0;
    throw conflictError(record.name, expectedVersion, storedVersion);
  }

  /** the record, then its entries, on one client inside the caller's transaction */
  private async commit(
    client: pg.PoolClient,
    record: RolloutRecord,
    expectedVersion: number,
    entries: readonly HistoryEntry[],
    epoch: number,
  ): Promise<RolloutRecord> {
    // the UPDATE first: a conflict throws before any entry is inserted, and the rollback undoes nothing
    const saved = await this.write(client, record, expectedVersion, epoch);
    for (const entry of entries) await this.append(client, record.name, entry, epoch);
    return saved;
  }

  private async append(db: Queryable, name: string, entry: HistoryEntry, epoch: number): Promise<void> {
    await this.run(
      'append history',
      db,
      `WITH head AS (
         INSERT INTO ${this.s}.history_heads (name, length) VALUES ($1, 1)
         ON CONFLICT (name) DO UPDATE SET length = ${this.s}.history_heads.length + 1
         RETURNING length
       )
       INSERT INTO ${this.s}.history (name, pos, entry, epoch) SELECT $1, length - 1, $2, $3 FROM head`,
      [name, JSON.stringify(entry), epoch],
    );
  }

  private async fenced<T>(
    action: string,
    token: FenceToken,
    fn: (client: pg.PoolClient) => Promise<T>,
  ): Promise<T> {
    try {
      return await inTransaction(this.pool, async (client) => {
        const lease = await client.query<{ epoch: string; holder: string | null }>(
          `SELECT epoch, holder FROM ${this.s}.lease WHERE id = 1 FOR SHARE`,
        );
        const row = lease.rows[0];
        const epoch = row === undefined ? 0 : Number(row.epoch);
        if (epoch !== token.epoch || row?.holder !== token.holder) {
          throw new StagegateError(
            'E_FENCED',
            `${action} refused: this replica's lease epoch ${token.epoch} is no longer current (epoch ${epoch} held by ${row?.holder ?? 'nobody'})`,
            { epoch: token.epoch, currentEpoch: epoch, holder: row?.holder ?? null },
          );
        }
        return fn(client);
      });
    } catch (err) {
      throw storeError(err, action);
    }
  }

  private async run(
    action: string,
    db: Queryable,
    sql: string,
    params: readonly unknown[],
  ): Promise<pg.QueryResult> {
    try {
      return await db.query(sql, params as unknown[]);
    } catch (err) {
      throw storeError(err, action);
    }
  }
}
