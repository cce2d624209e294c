import { describe, expect, it } from 'vitest';
import { StagegateError } from '../../../src/errors.js';
import { MIGRATIONS } from '../../../src/store/postgres/migrations.js';
import { describeLease, openPostgresState } from '../../../src/store/postgres/open.js';
import { captureLogger, record } from '../helpers.js';
import { usePostgres } from '../pg-fixture.js';

/* openPostgresState / describeLease from a config: what they open, and how a bad config or URL fails. */

const pg = usePostgres();
const PASSWORD = 'op3n-s3cret-pw';
const RETRY_LINE = 'postgres not reachable yet, retrying';

async function rejection(p: Promise<unknown>): Promise<StagegateError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof StagegateError) return err;
  throw new Error(`expected a StagegateError, got ${String(err)}`);
}

/** the password appears in no text the error carries: message, details, the driver's message below it */
function expectNoPassword(err: StagegateError): void {
  const cause = err.cause instanceof Error ? err.cause.message : '';
  for (const text of [err.message, JSON.stringify(err.details), cause]) expect(text).not.toContain(PASSWORD);
}

/** this test database's URL with a password and another database name */
function urlWith(database: string): string {
  const url = new URL(pg.db.url);
  url.password = PASSWORD;
  url.pathname = `/${database}`;
  return url.toString();
}

async function backends(): Promise<string[]> {
  const res = await pg.pool.query<{ application_name: string }>(
    `SELECT DISTINCT application_name FROM pg_stat_activity
      WHERE datname = $1 AND application_name LIKE 'stagegate %' ORDER BY application_name`,
    [pg.db.name],
  );
  return res.rows.map((r) => r.application_name);
}

describe('openPostgresState', () => {
  it('migrates a fresh schema, then opens the store, the command queue and the lease on it', async () => {
    const state = await openPostgresState(
      { url: pg.db.url, schema: 'o_fresh', leaseSeconds: 5 },
      { self: 'rep-a' },
    );
    try {
      expect(state.migrated).toEqual({ applied: MIGRATIONS.map((m) => m.id), version: MIGRATIONS.length });
      expect(state.leadership.isLeader()).toBe(true);
      expect(await describeLease({ url: pg.db.url, schema: 'o_fresh' })).toMatchObject({
        holder: 'rep-a',
        epoch: 1,
      });
      await state.store.save(record('alpha'), 0);
      const id = await state.commands.enqueue({
        rollout: 'alpha',
        command: 'pause',
        by: 'ops',
        reason: null,
      });
      const rows = await pg.pool.query<{ records: string; commands: string }>(
        `SELECT (SELECT count(*) FROM o_fresh.records WHERE name = 'alpha') AS records,
                (SELECT count(*) FROM o_fresh.commands WHERE id = $1) AS commands`,
        [id],
      );
      expect(rows.rows).toEqual([{ records: '1', commands: '1' }]);
      // the lease has a pool of its own, so renewals never queue behind the store's queries
      expect(await backends()).toEqual(['stagegate lease', 'stagegate store']);
    } finally {
      await state.close();
    }
    // close gave the lease up (expired by the database clock, so a follower takes it at once) and ended the pools
    const lease = await pg.pool.query<{ expired: boolean }>(
      'SELECT expires_at <= now() AS expired FROM o_fresh.lease WHERE id = 1',
    );
    expect(lease.rows).toEqual([{ expired: true }]);
    expect((await rejection(state.store.load('alpha'))).code).toBe('E_STORE_IO');
  });

  it('on a schema another replica migrated and leads, applies nothing and follows', async () => {
    const first = await openPostgresState(
      { url: pg.db.url, schema: 'o_two', leaseSeconds: 5 },
      { self: 'rep-a' },
    );
    try {
      const second = await openPostgresState(
        { url: pg.db.url, schema: 'o_two', leaseSeconds: 5 },
        { self: 'rep-b' },
      );
      try {
        expect(second.migrated).toEqual({ applied: [], version: MIGRATIONS.length });
        expect(second.leadership.isLeader()).toBe(false);
        expect(second.leadership.state()).toMatchObject({
          role: 'follower',
          self: 'rep-b',
          lease: { holder: 'rep-a' },
        });
        expect(first.leadership.isLeader()).toBe(true);
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
  });

  it.each(['Bad-Name', 'x;drop', ''])(
    'refuses the schema %j at once: E_CONFIG_INVALID, no retry',
    async (schema) => {
      const capture = captureLogger();
      const err = await rejection(
        openPostgresState(
          { url: pg.db.url, schema, leaseSeconds: 5 },
          { logger: capture.logger, startRetryMs: 60_000 },
        ),
      );
      expect(err.code).toBe('E_CONFIG_INVALID');
      expect(capture.lines.filter((l) => l.msg === RETRY_LINE)).toEqual([]);
    },
  );

  it('retries an unreachable database within its budget, then fails E_STORE_IO with no password anywhere', async () => {
    const capture = captureLogger();
    const url = `postgres://stagegate:${PASSWORD}@127.0.0.1:1/none`;
    const err = await rejection(
      openPostgresState(
        { url, schema: 'o_down', leaseSeconds: 5 },
        { logger: capture.logger, startRetryMs: 1_500 },
      ),
    );
    expect(err.code).toBe('E_STORE_IO');
    expect(err.message).toMatch(/^postgres state store: connect: /);
    expectNoPassword(err);
    const retries = capture.lines.filter((l) => l.msg === RETRY_LINE);
    expect(retries.length).toBeGreaterThanOrEqual(1);
    expect(retries[0]).toMatchObject({ attempt: 1 });
    expect(capture.text()).not.toContain(PASSWORD);
  });

  it.each([
    [
      'a database that does not exist',
      () => urlWith('stagegate_no_such_db'),
      /database "stagegate_no_such_db" does not exist/,
    ],
    ['a malformed URL', () => `postgres://stagegate:${PASSWORD}@127.0.0.1:notaport/x`, /Invalid URL/],
  ])('fails at once on %s, typed, with no password anywhere', async (_label, url, message) => {
    const capture = captureLogger();
    const err = await rejection(
      openPostgresState(
        { url: url(), schema: 'o_bad', leaseSeconds: 5 },
        { logger: capture.logger, startRetryMs: 60_000 },
      ),
    );
    expect(err.code).toBe('E_STORE_IO');
    expect(err.message).toMatch(message);
    expectNoPassword(err);
    expect(capture.lines.filter((l) => l.msg === RETRY_LINE)).toEqual([]);
    expect(capture.text()).not.toContain(PASSWORD);
  });
});

describe('describeLease', () => {
  it('reads a migrated schema nobody has led yet as no holder, epoch 0', async () => {
    const schema = await pg.schema();
    expect(await describeLease({ url: pg.db.url, schema })).toEqual({
      holder: null,
      epoch: 0,
      expiresAt: null,
    });
  });

  it('types a schema that was never migrated as E_STORE_IO saying to migrate', async () => {
    const err = await rejection(describeLease({ url: pg.db.url, schema: 'never_migrated' }));
    expect(err.code).toBe('E_STORE_IO');
    expect(err.message).toMatch(/tables missing, run "stagegate state migrate"/);
  });

  it('types an unreachable database as E_STORE_IO with no password anywhere', async () => {
    const err = await rejection(
      describeLease({ url: `postgres://stagegate:${PASSWORD}@127.0.0.1:1/x`, schema: 'stagegate' }),
    );
    expect(err.code).toBe('E_STORE_IO');
    expectNoPassword(err);
  });

  it('refuses a bad schema name before connecting', async () => {
    const err = await rejection(describeLease({ url: 'postgres://127.0.0.1:1/x', schema: 'Nope' }));
    expect(err.code).toBe('E_CONFIG_INVALID');
  });
});
