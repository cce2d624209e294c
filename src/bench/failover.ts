import { parseCheckDetail } from '../ports/history.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type pg from 'pg';
import type { HistoryEntry, RolloutRecord, StateStore } from '../ports/state-store.js';
import { startDatadogSandbox } from '../sandbox/datadog-server.js';
import { startFlipperSandbox } from '../sandbox/flipper-server.js';
import { FileStateStore } from '../store/file-store.js';
import { migrate } from '../store/postgres/migrate.js';
import { createPool } from '../store/postgres/pool.js';
import { PostgresStateStore } from '../store/postgres/postgres-store.js';
import { onBenchDatabase } from './bench-database.js';
import {
  alive,
  firstCheckAfter,
  readLease,
  spawnReplica,
  writeReplicaWorkspace,
  type Replica,
} from './failover-replicas.js';

/*
 * PostgreSQL benchmarks (issue 14), in a database of their own (bench-database.ts):
 *   failover  three real `stagegate run` replicas (the built CLI) on one
 *             database, lease 2 s, rollouts checked every second against the
 *             sandboxes; the leader (the lease row's holder) is SIGKILLed
 *             `kills` times at a random moment after it has checked, and
 *             restarted so three stay up. Measured from the kill to the new
 *             lease (its `acquired_at`) and to the first check entry written
 *             under the new epoch (the history row: ground truth).
 *   store     1,000 rollouts, each: save, 5 history appends, save, load, a
 *             page of history — file store beside postgres
 * With no PostgreSQL at all both are skipped and say why.
 */

export interface FailoverOptions {
  readonly kills?: number;
  readonly rollouts?: number;
  readonly leaseSeconds?: number;
  readonly write?: (text: string) => void;
}

export interface FailoverResult {
  /** kill → the next replica holds the lease, ms, in kill order */
  readonly leaseMs: readonly number[];
  /** kill → the first check entry of the new epoch, ms, in kill order */
  readonly checkMs: readonly number[];
  /** leaseSeconds + one check interval (the follower's attempt is shorter than that) */
  readonly boundMs: number;
  /** epochs of the leaders that took over, in kill order */
  readonly epochs: readonly number[];
  /** survivors' `lease attempt failed` log lines between each kill and the new leader's first check */
  readonly failedAttempts: readonly number[];
  /** the 1-minute load average before and after: the machine is shared */
  readonly load: readonly number[];
}

const SCHEMA = 'bench_failover';
const EVERY_SECONDS = 1;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined>, replicas: Replica[]): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const got = await fn();
    if (got !== undefined) return got;
    if (Date.now() > deadline)
      throw new Error(
        `failover bench: ${what} within 30 s; replica logs:\n${replicas.map((r) => r.tail()).join('\n')}`,
      );
    await sleep(10);
  }
}

export async function measureFailover(
  url: string,
  opts: { kills: number; rollouts: number; leaseSeconds: number },
): Promise<FailoverResult> {
  const dir = await mkdtemp(join(tmpdir(), 'stagegate-bench-failover-'));
  const names = Array.from({ length: opts.rollouts }, (_, i) => `fo-bench-${i}`);
  const feature = (n: string) => `${n.replace(/-/g, '_')}_enabled`;
  const dd = await startDatadogSandbox();
  const flipper = await startFlipperSandbox({ features: names.map(feature) });
  for (const n of names) {
    const m = n.replace(/-/g, '_');
    dd.setSeries(`sum:${m}.requests{env:bench}.as_count()`, { perSecond: 200 });
    dd.setSeries(`sum:${m}.errors{env:bench}.as_count()`, { perSecond: 1 });
  }
  const configPath = await writeReplicaWorkspace({
    dir,
    rollouts: names,
    databaseUrl: url,
    schema: SCHEMA,
    leaseSeconds: opts.leaseSeconds,
    every: `${EVERY_SECONDS}s`,
    datadogUrl: dd.url,
    flipperUrl: flipper.url,
  });
  const db = createPool({ url, max: 2 });
  const replicas: Replica[] = [0, 1, 2].map(() => spawnReplica(configPath));
  const leaseMs: number[] = [];
  const checkMs: number[] = [];
  const epochs: number[] = [];
  const failedAttempts: number[] = [];
  let skipped = 0;
  const load = [loadavg()[0] ?? 0];
  try {
    for (let k = 0; k < opts.kills; k++) {
      // a leader that has checked under its epoch: it is past its takeover, in its steady state
      const lease = await until(
        'no replica became leader and checked',
        async () => {
          const l = await readLease(db, SCHEMA);
          if (!l?.live || !replicas.some((r) => alive(r) && r.child.pid === l.pid)) return undefined;
          return (await firstCheckAfter(db, SCHEMA, l.epoch - 1)) ? l : undefined;
        },
        replicas,
      );
      // any moment of its lease period, so every phase of the renewal cycle is hit
      await sleep(Math.random() * opts.leaseSeconds * 1000);
      // a leader that lost its lease meanwhile (a renewal late on a loaded host) is not the one to kill:
      // its successor's takeover would be counted from before the kill. Pick again.
      const still = await readLease(db, SCHEMA);
      if (still?.epoch !== lease.epoch || !still.live) {
        skipped++;
        k--;
        if (skipped > opts.kills)
          throw new Error('failover bench: the lease keeps changing hands on its own');
        continue;
      }
      const victim = replicas.findIndex((r) => r.child.pid === lease.pid);
      const failedBefore = replicas.reduce((n, r, i) => (i === victim ? n : n + r.failedAttempts()), 0);
      const killedAt = Date.now();
      replicas[victim]?.child.kill('SIGKILL');
      replicas[victim] = spawnReplica(configPath);
      const next = await until(
        'no takeover after the kill',
        async () => {
          const l = await readLease(db, SCHEMA);
          return l?.live && l.epoch > lease.epoch ? l : undefined;
        },
        replicas,
      );
      const check = await until(
        'the new leader wrote no check',
        () => firstCheckAfter(db, SCHEMA, lease.epoch),
        replicas,
      );
      // of the two survivors (the restarted replica's start-up failures count from zero)
      failedAttempts.push(
        replicas.reduce((n, r, i) => (i === victim ? n : n + r.failedAttempts()), 0) - failedBefore,
      );
      leaseMs.push(Math.round(next.acquiredAt - killedAt));
      checkMs.push(Math.round(check.at - killedAt));
      epochs.push(check.epoch);
    }
    load.push(loadavg()[0] ?? 0);
  } finally {
    for (const r of replicas) r.child.kill('SIGKILL');
    await Promise.all(
      replicas.map((r) => (alive(r) ? new Promise((res) => r.child.once('exit', res)) : null)),
    );
    await db.end();
    await Promise.all([dd.close(), flipper.close()]);
    await rm(dir, { recursive: true, force: true });
  }
  return {
    leaseMs,
    checkMs,
    epochs,
    load,
    failedAttempts,
    boundMs: (opts.leaseSeconds + EVERY_SECONDS) * 1000,
  };
}

export function summarize(values: readonly number[]): { median: number; max: number; min: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return {
    // of an even count: the mean of the two middle values
    median:
      sorted.length % 2 === 1
        ? (sorted[Math.floor(mid)] as number)
        : Math.round(((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2),
    max: sorted.at(-1) ?? Number.NaN,
    min: sorted[0] ?? Number.NaN,
  };
}

export function failoverTable(r: FailoverResult, leaseSeconds: number): string {
  const row = (label: string, v: readonly number[]) => {
    const s = summarize(v);
    return `| ${label} | ${s.median} ms | ${s.max} ms | ${s.min} ms | ${s.max <= r.boundMs ? 'yes' : 'NO'} |`;
  };
  return [
    `${r.checkMs.length} SIGKILLs of the leader among three \`stagegate run\` replicas (lease ${leaseSeconds} s, checks every ${EVERY_SECONDS} s); bound = lease + one check interval = ${r.boundMs} ms:`,
    '',
    '| kill → | median | max | min | within bound |',
    '|---|---:|---:|---:|---|',
    row('the next replica holds the lease', r.leaseMs),
    row('first check entry by the new leader', r.checkMs),
    '',
    `per kill, lease / first check (ms): ${r.leaseMs.map((l, i) => `${l} / ${r.checkMs[i]}`).join(', ')}; load average ${r.load.map((n) => n.toFixed(1)).join(' → ')}`,
    `failed lease attempts of the survivors, per kill: ${r.failedAttempts.join(', ')}`,
  ].join('\n');
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

async function storePass(store: StateStore, rollouts: number): Promise<number> {
  const started = Date.now();
  const names = Array.from({ length: rollouts }, (_, i) => `bench-${i}`);
  // 16 at a time, as the controller's check concurrency does
  for (let i = 0; i < names.length; i += 16) {
    await Promise.all(
      names.slice(i, i + 16).map(async (name) => {
        const saved = await store.save(rec(name), 0);
        for (let j = 0; j < 5; j++) {
          const entry: HistoryEntry = {
            type: 'check',
            at: j,
            stage: 'canary',
            percent: 2,
            detail: parseCheckDetail({ durationMs: j }),
          };
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

export async function storeTable(url: string, rollouts: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stagegate-bench-store-'));
  const pool: pg.Pool = createPool({ url, max: 16 });
  try {
    const fileMs = await storePass(new FileStateStore({ dir }), rollouts);
    await migrate(pool, 'bench_store');
    const pgMs = await storePass(new PostgresStateStore({ pool, schema: 'bench_store' }), rollouts);
    return [
      `| store (${rollouts} rollouts: 2 saves, 5 appends, load, page) | wall | per rollout |`,
      '|---|---:|---:|',
      `| file | ${fileMs} ms | ${(fileMs / rollouts).toFixed(2)} ms |`,
      `| postgres | ${pgMs} ms | ${(pgMs / rollouts).toFixed(2)} ms |`,
    ].join('\n');
  } finally {
    await pool.end();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(opts: FailoverOptions = {}): Promise<string> {
  const kills = opts.kills ?? Number(process.env.STAGEGATE_BENCH_KILLS ?? 10);
  const rollouts = opts.rollouts ?? Number(process.env.STAGEGATE_BENCH_ROLLOUTS ?? 1000);
  const leaseSeconds = opts.leaseSeconds ?? 2;
  const done = await onBenchDatabase(async (url) => {
    const failover = await measureFailover(url, { kills, rollouts: 3, leaseSeconds });
    return `${failoverTable(failover, leaseSeconds)}\n\n${await storeTable(url, rollouts)}`;
  });
  const out = done.ok ? `PostgreSQL: ${done.kind}\n\n${done.value}` : `skipped: ${done.reason}`;
  (opts.write ?? ((t: string) => process.stdout.write(t)))(`${out}\n`);
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
