import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FencedStore } from '../../src/store/fencing/fenced-store.js';
import { PgLeadership } from '../../src/store/postgres/leadership.js';
import { createPool } from '../../src/store/postgres/pool.js';
import { PostgresStateStore } from '../../src/store/postgres/postgres-store.js';
import { record, removeDir, transpileForChild } from './helpers.js';
import { usePostgres } from './pg-fixture.js';

/*
 * The freeze test of issue 14 on real processes: a child leader writes (a
 * fenced save + history entry, then a fenced toggle write logged to a table)
 * every 50 ms; it is SIGSTOPped past its lease, the test's replica takes
 * over, the child is SIGCONTed — and not one write of the child lands after
 * the takeover, while it did write before the freeze.
 */

const LEASE_SECONDS = 1;

const CHILD = `
import { FencedStore } from './src/store/fencing/fenced-store.js';
import { FencedToggleProvider } from './src/store/fencing/fenced-toggle.js';
import { PgLeadership } from './src/store/postgres/leadership.js';
import { createPool } from './src/store/postgres/pool.js';
import { PostgresStateStore } from './src/store/postgres/postgres-store.js';
const [url, schema] = process.argv.slice(2);
const pool = createPool({ url });
const lead = new PgLeadership({ pool: createPool({ url, max: 2 }), schema, leaseSeconds: ${LEASE_SECONDS}, self: 'child' });
const store = new FencedStore(new PostgresStateStore({ pool, schema }), lead);
// the "toggle": every write it makes is a row with the database clock
const sink = {
  name: 'sink',
  read: async () => { throw new Error('unused'); },
  disable: async () => { throw new Error('unused'); },
  enable: async () => { throw new Error('unused'); },
  setPercent: async (feature, percent) => {
    await pool.query('INSERT INTO "' + schema + '".toggle_log (holder, percent) VALUES ($1, $2)', ['child', percent]);
    return {};
  },
};
const toggle = new FencedToggleProvider(sink, lead);
await lead.start();
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
say({ event: 'started', leader: lead.isLeader(), epoch: lead.epoch() });
let n = 0;
setInterval(async () => {
  n++;
  try {
    const rec = await store.load('alpha');
    await store.save({ ...rec, updatedAt: n }, rec.version);
    await store.appendHistory('alpha', { type: 'spec', at: n, specHash: 'child', source: null });
    await toggle.setPercent('feature', 10 + (n % 50), 'percentage_of_actors');
    say({ event: 'wrote', n });
  } catch (err) {
    say({ event: 'refused', n, code: err.code ?? String(err) });
  }
}, 50);
`;

const pg = usePostgres();
let code: string;
beforeAll(async () => {
  code = await transpileForChild([
    'src/store/fencing/fenced-store.ts',
    'src/store/fencing/fenced-toggle.ts',
    'src/store/postgres/leadership.ts',
    'src/store/postgres/postgres-store.ts',
  ]);
  await writeFile(join(code, 'leader-child.js'), CHILD);
});
afterAll(async () => {
  await removeDir(code);
});

function collect(child: ChildProcess): { events: Record<string, unknown>[] } {
  const out = { events: [] as Record<string, unknown>[] };
  if (!child.stdout) throw new Error('no stdout');
  createInterface({ input: child.stdout }).on('line', (line) => out.events.push(JSON.parse(line)));
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a leader frozen past its lease (SIGSTOP/SIGCONT)', () => {
  it('makes no toggle write and no save after the takeover', async () => {
    const schema = await pg.schema();
    await pg.pool.query(
      `CREATE TABLE "${schema}".toggle_log (id bigserial PRIMARY KEY, holder text, percent int, at timestamptz DEFAULT clock_timestamp())`,
    );
    const inner = new PostgresStateStore({ pool: pg.pool, schema });
    await inner.save(record('alpha'), 0);

    const child = spawn(process.execPath, [join(code, 'leader-child.js'), pg.db.url, schema], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const out = collect(child);
    const leasePool = createPool({ url: pg.db.url, max: 2 });
    const us = new PgLeadership({ pool: leasePool, schema, leaseSeconds: LEASE_SECONDS, self: 'us' });
    try {
      while (!out.events.some((e) => e.event === 'wrote')) await sleep(20);
      expect(out.events[0]).toMatchObject({ event: 'started', leader: true, epoch: 1 });
      await us.start();
      expect(us.isLeader()).toBe(false);

      child.kill('SIGSTOP');
      const stoppedAt = Date.now();
      while (!us.isLeader()) await sleep(10);
      const takeoverMs = Date.now() - stoppedAt;
      expect(takeoverMs).toBeLessThanOrEqual(LEASE_SECONDS * 1000 + 400 + 200);
      const mark = await pg.pool.query<{ at: Date }>('SELECT clock_timestamp() AS at');
      const ours = new FencedStore(inner, us);
      const current = await ours.load('alpha');
      await ours.save({ ...(current ?? record('alpha')), specHash: 'ours' }, current?.version ?? 0);
      await ours.appendHistory('alpha', { type: 'spec', at: 0, specHash: 'takeover', source: null });
      const resumedFrom = out.events.length;
      await sleep(300); // stay frozen a little longer than the takeover

      child.kill('SIGCONT');
      await sleep(1_500);
      const after = out.events.slice(resumedFrom);
      expect(after.length).toBeGreaterThan(10);
      expect(after.filter((e) => e.event === 'wrote')).toEqual([]);
      expect(new Set(after.map((e) => e.code))).toEqual(new Set(['E_FENCED']));

      const late = await pg.pool.query(
        `SELECT count(*)::int AS n FROM "${schema}".toggle_log WHERE at >= $1`,
        [mark.rows[0]?.at],
      );
      expect(late.rows[0]).toEqual({ n: 0 });
      const early = await pg.pool.query(`SELECT count(*)::int AS n FROM "${schema}".toggle_log`);
      expect((early.rows[0] as { n: number }).n).toBeGreaterThan(0);
      const history = await inner.history('alpha');
      expect(history.at(-1)).toMatchObject({ specHash: 'takeover' });
      expect((await inner.load('alpha'))?.specHash).toBe('ours');
      expect(us.epoch()).toBe(2);
    } finally {
      child.kill('SIGKILL');
      await us.stop();
      await leasePool.end();
    }
  });
});
