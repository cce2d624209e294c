import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

/*
 * Plumbing of the failover benchmark: a workspace of rollouts checked every
 * second, one config for every replica (postgres state, short lease), the
 * real CLI (`node dist/cli/main.js run`) as replica processes, and the two
 * facts read back from the database — the lease row and the first check
 * entry written under an epoch newer than a given one. The history entry is
 * the ground truth of "the new leader checked": its `at` is when the check
 * decided, and its `epoch` column names the lease it was written under.
 */

/** two levels up from src/bench/ and from dist/bench/: the built CLI either way */
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export const BENCH_DD_KEYS = {
  DD_API_KEY: 'bench-dd-api-key-0123456789',
  DD_APP_KEY: 'bench-dd-app-key-0123456789',
};

export function rolloutYaml(name: string, every: string): string {
  const m = name.replace(/-/g, '_');
  return `name: ${name}
toggle: { provider: flipper, feature: ${m}_enabled, gate: percentage_of_actors, onRollback: zero }
start: immediately
check: { every: ${every}, timezone: UTC }
stages:
  - { name: canary, percent: 5, minDuration: 1h }
  - { name: full, percent: 100, minDuration: 1h }
metrics:
  requests:
    datadog: { query: "sum:${m}.requests{env:bench}.as_count()", aggregator: sum }
    window: 10s
  error_rate:
    datadog: { numerator: "sum:${m}.errors{env:bench}.as_count()", denominator: "sum:${m}.requests{env:bench}.as_count()" }
    window: 10s
criteria:
  advance: [error_rate < 5%]
  rollback: [error_rate > 20%]
policy: { noData: hold, maxConsecutiveErrors: 3, confidence: 0.95 }
`;
}

export interface ReplicaSetup {
  readonly dir: string;
  readonly rollouts: readonly string[];
  readonly databaseUrl: string;
  readonly schema: string;
  readonly leaseSeconds: number;
  readonly every: string;
  readonly datadogUrl: string;
  readonly flipperUrl: string;
}

/** writes the rollouts and the one config all replicas share; returns the config's path */
export async function writeReplicaWorkspace(s: ReplicaSetup): Promise<string> {
  const rolloutsDir = join(s.dir, 'rollouts');
  await mkdir(rolloutsDir, { recursive: true });
  for (const name of s.rollouts)
    await writeFile(join(rolloutsDir, `${name}.yaml`), rolloutYaml(name, s.every));
  const configPath = join(s.dir, 'stagegate.yaml');
  await writeFile(
    configPath,
    `rolloutsDir: ${rolloutsDir}
state: { type: postgres, url: "${s.databaseUrl}", schema: ${s.schema}, leaseSeconds: ${s.leaseSeconds} }
metrics:
  datadog: { type: datadog, baseUrl: "${s.datadogUrl}", timeoutMs: 2000, maxRetries: 0 }
toggles:
  flipper: { type: flipper, baseUrl: "${s.flipperUrl}", timeoutMs: 2000, maxRetries: 0 }
server: { enabled: false }
log: { level: info }
`,
  );
  return configPath;
}

export interface Replica {
  readonly child: ChildProcess;
  /** the last few KB of its log, for a failure message */
  tail(): string;
  /** its `lease attempt failed` log lines so far (a takeover slower than the bound says why) */
  failedAttempts(): number;
}

export function spawnReplica(configPath: string): Replica {
  const child = spawn(process.execPath, [CLI, '--config', configPath, 'run'], {
    env: { ...process.env, ...BENCH_DD_KEYS },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  let failed = 0;
  if (child.stderr) {
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (line.includes('"msg":"lease attempt failed"')) failed++;
      log = `${log}${line}\n`.slice(-4_000);
    });
  }
  return { child, tail: () => log, failedAttempts: () => failed };
}

export function alive(r: Replica): boolean {
  return r.child.exitCode === null && r.child.signalCode === null;
}

export interface LeaseRow {
  readonly pid: number | undefined;
  readonly epoch: number;
  readonly live: boolean;
  /** when the current holder took it, epoch ms by the database clock (same host here) */
  readonly acquiredAt: number;
}

export async function readLease(db: pg.Pool, schema: string): Promise<LeaseRow | undefined> {
  const res = await db
    .query<{ holder: string | null; epoch: string; live: boolean; acquired: number }>(
      `SELECT holder, epoch::text AS epoch, expires_at > now() AS live,
              extract(epoch FROM acquired_at) * 1000 AS acquired
       FROM "${schema}".lease WHERE id = 1`,
    )
    .catch(() => undefined); // before the first replica has migrated
  const row = res?.rows[0];
  if (row === undefined) return undefined;
  // the holder is `host/pid/random`
  const pid = Number(row.holder?.split('/').at(-2));
  return {
    pid: Number.isInteger(pid) ? pid : undefined,
    epoch: Number(row.epoch),
    live: row.live,
    acquiredAt: Number(row.acquired),
  };
}

/** the earliest check entry written under an epoch above `epoch`: its `at` and epoch */
export async function firstCheckAfter(
  db: pg.Pool,
  schema: string,
  epoch: number,
): Promise<{ at: number; epoch: number } | undefined> {
  const res = await db.query<{ at: number | null; epoch: string | null }>(
    `SELECT (entry->>'at')::float8 AS at, epoch::text AS epoch FROM "${schema}".history
     WHERE epoch > $1 AND entry->>'type' = 'check' ORDER BY (entry->>'at')::float8 LIMIT 1`,
    [epoch],
  );
  const row = res.rows[0];
  return row?.at == null ? undefined : { at: row.at, epoch: Number(row.epoch) };
}
