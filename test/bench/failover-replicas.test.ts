import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CLI,
  alive,
  firstCheckAfter,
  readLease,
  rolloutYaml,
  spawnReplica,
  writeReplicaWorkspace,
} from '../../src/bench/failover-replicas.js';
import { loadConfig } from '../../src/config/loader.js';
import { parseCheckDetail } from '../../src/ports/history.js';
import { parseRolloutText } from '../../src/rollout/loader.js';
import { usePostgres } from '../store/pg-fixture.js';

const pg = usePostgres();

async function insertCheck(schema: string, pos: number, at: number, epoch: number): Promise<void> {
  const entry = {
    type: 'check',
    at,
    stage: 'canary',
    percent: 5,
    detail: parseCheckDetail({ durationMs: 1 }),
  };
  await pg.pool.query(`INSERT INTO "${schema}".history (name, pos, entry, epoch) VALUES ('r', $1, $2, $3)`, [
    pos,
    JSON.stringify(entry),
    epoch,
  ]);
}

describe('failover bench plumbing', () => {
  it('points at the built CLI from src/ as from dist/', () => {
    expect(CLI.endsWith(join('dist', 'cli', 'main.js'))).toBe(true);
    expect(existsSync(CLI)).toBe(true);
  });

  it('writes valid rollouts and one postgres config with the lease asked for', async () => {
    expect(parseRolloutText(rolloutYaml('fo-x', '1s'), 'rollouts/fo-x.yaml').check).toMatchObject({
      schedule: { kind: 'every', everyMs: 1000 },
    });
    const dir = await mkdtemp(join(tmpdir(), 'stagegate-bench-test-'));
    try {
      const path = await writeReplicaWorkspace({
        dir,
        rollouts: ['fo-a', 'fo-b'],
        databaseUrl: 'postgres://postgres@127.0.0.1:5432/none',
        schema: 'bench_x',
        leaseSeconds: 2,
        every: '1s',
        datadogUrl: 'http://127.0.0.1:9',
        flipperUrl: 'http://127.0.0.1:9',
      });
      expect((await readdir(join(dir, 'rollouts'))).sort()).toEqual(['fo-a.yaml', 'fo-b.yaml']);
      const config = await loadConfig(path, { DD_API_KEY: 'k', DD_APP_KEY: 'k' });
      expect(config.state).toMatchObject({ type: 'postgres', schema: 'bench_x', leaseSeconds: 2 });
      expect(await readFile(path, 'utf8')).not.toContain('DD_API_KEY');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads no lease before the schema exists, then the holder pid, epoch and acquisition time', async () => {
    expect(await readLease(pg.pool, 'no_such_schema')).toBeUndefined();
    const schema = await pg.schema();
    const before = Date.now();
    await pg.pool.query(
      `INSERT INTO "${schema}".lease (id, holder, epoch, expires_at, acquired_at)
       VALUES (1, 'host/4242/abc', 7, now() + interval '2 seconds', now())`,
    );
    const lease = await readLease(pg.pool, schema);
    expect(lease).toMatchObject({ pid: 4242, epoch: 7, live: true });
    expect(lease?.acquiredAt).toBeGreaterThanOrEqual(before - 1_000);
    expect(lease?.acquiredAt).toBeLessThanOrEqual(Date.now() + 1_000);
  });

  it('finds the earliest check written under a newer epoch, not an older epoch nor another entry type', async () => {
    const schema = await pg.schema();
    await insertCheck(schema, 0, 1_000, 3); // the killed leader's
    await insertCheck(schema, 1, 3_000, 4);
    await insertCheck(schema, 2, 2_500, 4); // earlier `at` at a later position: the order is by `at`
    await pg.pool.query(
      `INSERT INTO "${schema}".history (name, pos, entry, epoch) VALUES ('r', 3, '{"type":"stage","at":2000}', 4)`,
    );
    expect(await firstCheckAfter(pg.pool, schema, 3)).toEqual({ at: 2_500, epoch: 4 });
    expect(await firstCheckAfter(pg.pool, schema, 2)).toEqual({ at: 1_000, epoch: 3 });
    expect(await firstCheckAfter(pg.pool, schema, 4)).toBeUndefined();
  });

  it('spawns a replica of the real CLI that is alive until killed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stagegate-bench-test-'));
    try {
      // a config that does not exist: the CLI starts, says so on stderr and exits
      const r = spawnReplica(join(dir, 'missing.yaml'));
      expect(alive(r)).toBe(true);
      const code = await new Promise((res) => r.child.once('exit', res));
      expect(code).not.toBe(0);
      expect(alive(r)).toBe(false);
      expect(r.tail()).toMatch(/missing\.yaml/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
