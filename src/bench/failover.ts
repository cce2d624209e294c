import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { HistoryEntry, RolloutRecord, StateStore } from '../ports/state-store.js';
import { FileStateStore } from '../store/file-store.js';
import { PgLeadership } from '../store/postgres/leadership.js';
import { migrate } from '../store/postgres/migrate.js';
import { createPool } from '../store/postgres/pool.js';
import { PostgresStateStore } from '../store/postgres/postgres-store.js';

/*
 * PostgreSQL benchmarks (issue 14), on the server named by DATABASE_URL
 * (default postgres@127.0.0.1:5432) in a database of their own, dropped after:
 *   failover  three replica processes on one lease (2 s); the leader is
 *             SIGKILLed KILLS times; failover time = kill → the next replica
 *             holds the lease (its first check follows at once once the
 *             runtime is wired to leadership; until then this is the bound)
 *   store     1,000 rollouts, each: save, 5 history appends, load, a page of
 *             history — file store beside postgres
 * With no PostgreSQL reachable both are skipped and say so.
 */

const LEASE_SECONDS = 2;
const KILLS = Number(process.env.STAGEGATE_BENCH_KILLS ?? 10);
const ROLLOUTS = Number(process.env.STAGEGATE_BENCH_ROLLOUTS ?? 1000);
const SELF = fileURLToPath(import.meta.url);

function adminUrl(): string {
  return process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T | undefined> {
  const admin = new pg.Client({ connectionString: adminUrl(), connectionTimeoutMillis: 2_000 });
  try {
    await admin.connect();
  } catch {
    return undefined;
  }
  const name = `stagegate_bench_${process.pid}`;
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl());
    url.pathname = `/${name}`;
    return await fn(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

/** child mode: one replica taking part in the election, printing each acquisition */
async function replica(url: string, schema: string): Promise<void> {
  const lead = new PgLeadership({ pool: createPool({ url, max: 2 }), schema, leaseSeconds: LEASE_SECONDS });
  lead.onChange((s) => {
    if (s.role === 'leader')
      process.stdout.write(`${JSON.stringify({ pid: process.pid, epoch: s.lease.epoch, at: Date.now() })}\n`);
  });
  await lead.start();
}

interface Replica {
  readonly child: ChildProcess;
}

function startReplica(url: string, schema: string, onLeader: (pid: number, at: number) => void): Replica {
  const child = spawn(process.execPath, [SELF, '--replica', url, schema], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const msg = JSON.parse(line) as { pid: number; at: number };
      onLeader(msg.pid, msg.at);
    });
  }
  return { child };
}

function stats(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  return `median ${median} ms, max ${sorted.at(-1) ?? Number.NaN} ms, min ${sorted[0] ?? Number.NaN} ms (n=${sorted.length})`;
}

async function failover(url: string): Promise<string> {
  const pool = createPool({ url, max: 1 });
  await migrate(pool, 'bench_failover');
  await pool.end();
  let leader: { pid: number; at: number } | undefined;
  const onLeader = (pid: number, at: number) => (leader = { pid, at });
  const replicas = new Map<number, Replica>();
  const add = () => {
    const r = startReplica(url, 'bench_failover', onLeader);
    replicas.set(r.child.pid ?? -1, r);
  };
  for (let i = 0; i < 3; i++) add();
  const times: number[] = [];
  try {
    for (let k = 0; k < KILLS; k++) {
      while (leader === undefined) await new Promise((r) => setTimeout(r, 10));
      // a random moment within the lease period, so renewals are hit at every phase
      await new Promise((r) => setTimeout(r, Math.random() * LEASE_SECONDS * 1000));
      const victim = leader.pid;
      leader = undefined;
      const killedAt = Date.now();
      replicas.get(victim)?.child.kill('SIGKILL');
      replicas.delete(victim);
      add();
      while (leader === undefined) await new Promise((r) => setTimeout(r, 5));
      times.push((leader as { at: number }).at - killedAt);
    }
  } finally {
    for (const r of replicas.values()) r.child.kill('SIGKILL');
  }
  return `failover (lease ${LEASE_SECONDS} s, ${KILLS} SIGKILLs of the leader): ${stats(times)}`;
}

function rec(name: string): RolloutRecord {
  return {
    name,
    version: 0,
    specHash: 'sha256:bench',
    snapshot: { machine: 1, value: 'running' },
    intent: null,
    summary: { state: 'running', stage: 'canary', stageIndex: 0, percent: 2, reason: null, lastCheck: null },
    updatedAt: Date.now(),
  };
}

async function storePass(store: StateStore): Promise<number> {
  const started = Date.now();
  const names = Array.from({ length: ROLLOUTS }, (_, i) => `bench-${i}`);
  // 16 at a time, as the controller's check concurrency does
  for (let i = 0; i < names.length; i += 16) {
    await Promise.all(
      names.slice(i, i + 16).map(async (name) => {
        const saved = await store.save(rec(name), 0);
        for (let j = 0; j < 5; j++) {
          const entry: HistoryEntry = { type: 'check', at: j, stage: 'canary', percent: 2, detail: { j } };
          await store.appendHistory(name, entry);
        }
        await store.save({ ...saved, updatedAt: Date.now() }, saved.version);
        await store.load(name);
        await store.history(name, { limit: 3 });
      }),
    );
  }
  return Date.now() - started;
}

async function stores(url: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stagegate-bench-store-'));
  const pool = createPool({ url, max: 16 });
  try {
    const fileMs = await storePass(new FileStateStore({ dir }));
    await migrate(pool, 'bench_store');
    const pgMs = await storePass(new PostgresStateStore({ pool, schema: 'bench_store' }));
    return [
      `| store (${ROLLOUTS} rollouts: 2 saves, 5 appends, load, page) | wall | per rollout |`,
      '|---|---:|---:|',
      `| file | ${fileMs} ms | ${(fileMs / ROLLOUTS).toFixed(2)} ms |`,
      `| postgres | ${pgMs} ms | ${(pgMs / ROLLOUTS).toFixed(2)} ms |`,
    ].join('\n');
  } finally {
    await pool.end();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<string> {
  const text = await withDatabase(async (url) => `${await failover(url)}\n\n${await stores(url)}`);
  const out = text ?? 'skipped: no PostgreSQL reachable (set DATABASE_URL)';
  process.stdout.write(`${out}\n`);
  return out;
}

if (process.argv[2] === '--replica') {
  await replica(process.argv[3] ?? '', process.argv[4] ?? '');
}
