import type pg from 'pg';
import type { LeaseInfo } from '../../ports/leadership.js';

/*
 * The lease row, by the DATABASE clock only (`now()`): replicas' clocks may
 * disagree, the database's is the one every statement sees. Each statement is
 * a single row update, so two replicas racing for an expired lease are
 * ordered by the row lock and exactly one gets the next epoch.
 */

export function channelFor(kind: 'lease' | 'commands' | 'done', schema: string): string {
  // NOTIFY channels are identifiers (max 63 bytes); a collision only causes an extra poll
  return `sg_${kind}_${schema}`.slice(0, 63);
}

const INFO = `holder, epoch::text AS epoch, (extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms`;

interface LeaseRow {
  readonly holder: string | null;
  readonly epoch: string;
  readonly expires_ms: number;
}

function toInfo(row: LeaseRow | undefined): LeaseInfo {
  if (row === undefined) return { holder: null, epoch: 0, expiresAt: null };
  return { holder: row.holder, epoch: Number(row.epoch), expiresAt: Math.round(row.expires_ms) };
}

/** Takes the lease when it is free or expired: the new epoch, or undefined when someone else holds it. */
export async function acquireLease(
  db: pg.Pool,
  s: string,
  self: string,
  leaseMs: number,
): Promise<LeaseInfo | undefined> {
  const res = await db.query<LeaseRow>(
    `INSERT INTO ${s}.lease AS l (id, holder, epoch, expires_at, acquired_at)
       VALUES (1, $1, 1, now() + make_interval(secs => $2), now())
     ON CONFLICT (id) DO UPDATE
       SET holder = EXCLUDED.holder, epoch = l.epoch + 1, expires_at = EXCLUDED.expires_at, acquired_at = now()
       WHERE l.expires_at <= now()
     RETURNING ${INFO}`,
    [self, leaseMs / 1000],
  );
  return res.rows[0] === undefined ? undefined : toInfo(res.rows[0]);
}

/** Extends our own unexpired lease; undefined when it is no longer ours or already expired. */
export async function renewLease(
  db: pg.Pool,
  s: string,
  self: string,
  epoch: number,
  leaseMs: number,
): Promise<LeaseInfo | undefined> {
  const res = await db.query<LeaseRow>(
    `UPDATE ${s}.lease SET expires_at = now() + make_interval(secs => $3)
     WHERE id = 1 AND holder = $1 AND epoch = $2 AND expires_at > now()
     RETURNING ${INFO}`,
    [self, epoch, leaseMs / 1000],
  );
  return res.rows[0] === undefined ? undefined : toInfo(res.rows[0]);
}

/** Ends our lease now so a follower need not wait for the expiry; tells the followers. */
export async function releaseLease(
  db: pg.Pool,
  s: string,
  schema: string,
  self: string,
  epoch: number,
): Promise<void> {
  await db.query(
    `WITH released AS (
       UPDATE ${s}.lease SET expires_at = now() WHERE id = 1 AND holder = $1 AND epoch = $2 RETURNING epoch
     )
     SELECT pg_notify($3, epoch::text) FROM released`,
    [self, epoch, channelFor('lease', schema)],
  );
}

/** Whether `self` holds the lease at `epoch` right now, by the database clock. */
export async function leaseIsLive(db: pg.Pool, s: string, self: string, epoch: number): Promise<boolean> {
  const res = await db.query(
    `SELECT 1 FROM ${s}.lease WHERE id = 1 AND holder = $1 AND epoch = $2 AND expires_at > now()`,
    [self, epoch],
  );
  return res.rowCount === 1;
}

/** Who holds the lease (for `status` and /readyz on any replica). */
export async function readLease(db: pg.Pool, s: string): Promise<LeaseInfo> {
  const res = await db.query<LeaseRow>(`SELECT ${INFO} FROM ${s}.lease WHERE id = 1`);
  return toInfo(res.rows[0]);
}
