import type pg from 'pg';
import type { FenceToken } from '../../ports/leadership.js';
import { channelFor } from './lease-sql.js';
import type { PgListener } from './listener.js';
import { storeError } from './pool.js';
import { quoteSchema } from './sql-ident.js';

/*
 * Operator commands through the database (issue 14): the CLI or any
 * replica's API enqueues; the leader takes them and records the result. A
 * NOTIFY wakes the leader at once; a poll every `pollMs` (default 500 ms) is
 * the fallback, so a command is picked up within a second either way. A
 * command taken by a leader that died before finishing it is taken again by
 * the next epoch, so it can be applied twice: the commands are absolute
 * (pause, abort), and the second application is refused as a no-op.
 */

export interface QueuedCommand {
  readonly id: number;
  readonly rollout: string;
  readonly command: string;
  readonly by: string;
  readonly reason: string | null;
}

export interface CommandOutcome {
  readonly accepted: boolean;
  readonly message: string;
}

export class PgCommandQueue {
  private readonly s: string;

  constructor(
    private readonly pool: pg.Pool,
    private readonly schema: string,
    private readonly listener?: PgListener,
  ) {
    this.s = quoteSchema(schema);
  }

  async enqueue(cmd: Omit<QueuedCommand, 'id'>): Promise<number> {
    const res = await this.query<{ id: string }>(
      'enqueue command',
      `WITH c AS (
         INSERT INTO ${this.s}.commands (rollout, command, by, reason) VALUES ($1, $2, $3, $4) RETURNING id
       )
       SELECT id::text AS id, pg_notify($5, id::text) FROM c`,
      [cmd.rollout, cmd.command, cmd.by, cmd.reason, channelFor('commands', this.schema)],
    );
    return Number(res.rows[0]?.id);
  }

  /** Claims the open commands for the leader at `token`, oldest first; none when the epoch is not current. */
  async take(token: FenceToken, limit = 50): Promise<QueuedCommand[]> {
    const res = await this.query<QueuedCommand & { id: string }>(
      'take commands',
      `UPDATE ${this.s}.commands SET taken_by = $1, taken_epoch = $2, taken_at = now()
       WHERE id IN (
         SELECT id FROM ${this.s}.commands
         WHERE done_at IS NULL AND (taken_epoch IS NULL OR taken_epoch < $2)
         ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED
       )
       AND EXISTS (SELECT 1 FROM ${this.s}.lease WHERE id = 1 AND holder = $1 AND epoch = $2)
       RETURNING id::text AS id, rollout, command, by, reason`,
      [token.holder, token.epoch, limit],
    );
    return res.rows.map((r) => ({ ...r, id: Number(r.id) })).sort((a, b) => a.id - b.id);
  }

  async complete(id: number, outcome: CommandOutcome): Promise<void> {
    await this.query(
      'complete command',
      `WITH d AS (
         UPDATE ${this.s}.commands SET done_at = now(), result = $2 WHERE id = $1 AND done_at IS NULL RETURNING id
       )
       SELECT pg_notify($3, id::text) FROM d`,
      [id, JSON.stringify(outcome), channelFor('done', this.schema)],
    );
  }

  /** the outcome of command `id` once the leader has applied it; undefined after `timeoutMs` */
  async waitFor(id: number, timeoutMs: number, pollMs = 200): Promise<CommandOutcome | undefined> {
    const end = Date.now() + timeoutMs;
    let wake: (() => void) | undefined;
    const unlisten = await this.listener?.listen(channelFor('done', this.schema), (payload) => {
      if (payload === String(id)) wake?.();
    });
    try {
      for (;;) {
        const res = await this.query<{ result: CommandOutcome | null }>(
          'read command',
          `SELECT result FROM ${this.s}.commands WHERE id = $1 AND done_at IS NOT NULL`,
          [id],
        );
        const result = res.rows[0]?.result;
        if (result) return result;
        const left = end - Date.now();
        if (left <= 0) return undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.min(pollMs, left));
        });
      }
    } finally {
      unlisten?.();
    }
  }

  /** calls `onWake` on every NOTIFY and every `pollMs`; the leader then calls take() */
  async subscribe(onWake: () => void, pollMs = 500): Promise<() => void> {
    const unlisten = await this.listener?.listen(channelFor('commands', this.schema), onWake);
    const timer = setInterval(onWake, pollMs);
    return () => {
      clearInterval(timer);
      unlisten?.();
    };
  }

  private async query<R extends pg.QueryResultRow>(
    action: string,
    sql: string,
    params: unknown[],
  ): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (err) {
      throw storeError(err, action);
    }
  }
}
