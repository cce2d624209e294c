/*
 * Versioned schema migrations, applied in order by migrate.ts under an
 * advisory lock. A migration, once released, is never edited: a change is a
 * new entry. `s` is the quoted schema name.
 *
 * Tables:
 *   records         one row per rollout: the RolloutRecord as JSON (json, not jsonb:
 *                   kept byte for byte, \u0000 included), its version
 *                   and the lease epoch of the save that wrote it
 *   history_heads   the length of each rollout's history; its row lock orders
 *                   concurrent appends and numbers positions without gaps
 *   history         (name, pos) → entry; the primary key serves pages from the end
 *   lease           the single leader lease row (holder, epoch, expiry by the
 *                   database clock)
 *   commands        operator commands from the CLI or any replica, taken by the leader
 */
export interface Migration {
  readonly id: number;
  readonly name: string;
  sql(s: string): readonly string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'records-history-lease-commands',
    sql: (s) => [
      `CREATE TABLE ${s}.records (
         name text PRIMARY KEY,
         version integer NOT NULL CHECK (version > 0),
         record json NOT NULL,
         epoch bigint NOT NULL DEFAULT 0,
         updated_at timestamptz NOT NULL DEFAULT now()
       )`,
      `CREATE TABLE ${s}.history_heads (
         name text PRIMARY KEY,
         length bigint NOT NULL
       )`,
      `CREATE TABLE ${s}.history (
         name text NOT NULL,
         pos bigint NOT NULL,
         entry json NOT NULL,
         epoch bigint NOT NULL DEFAULT 0,
         PRIMARY KEY (name, pos)
       )`,
      `CREATE TABLE ${s}.lease (
         id smallint PRIMARY KEY CHECK (id = 1),
         holder text,
         epoch bigint NOT NULL,
         expires_at timestamptz NOT NULL,
         acquired_at timestamptz NOT NULL
       )`,
      `CREATE TABLE ${s}.commands (
         id bigserial PRIMARY KEY,
         rollout text NOT NULL,
         command text NOT NULL,
         by text NOT NULL,
         reason text,
         created_at timestamptz NOT NULL DEFAULT now(),
         taken_by text,
         taken_epoch bigint,
         taken_at timestamptz,
         done_at timestamptz,
         result json
       )`,
      `CREATE INDEX commands_open ON ${s}.commands (id) WHERE done_at IS NULL`,
    ],
  },
];
