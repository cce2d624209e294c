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
 * in a loop; it is SIGSTOPped past its lease, the test's replica takes over,
 * the child is SIGCONTed — and not one write of the child lands after the
 * takeover, while it did write before the freeze.
 *
 * Why it once timed out in CI (2 cores, whole suite in parallel): with a 1 s
 * lease a replica counts itself leader until 900 ms after it SENT the acquire
 * or renew statement; a loaded database answering in ~0.6-0.9 s made the
 * leadership flap (held for a few ms, lost, re-acquired at a higher epoch), and
 * the old `while (!us.isLeader()) sleep(10)` loop never sampled a window. And
 * a SIGSTOP landing inside the child's fenced save (BEGIN; lease row FOR SHARE;
 * …) left its transaction open with the row lock held, so our acquire hung
 * until the child woke up — which the test only did after the takeover: the
 * pools now end a session idle in a transaction after 1 s (pool.ts), see the
 * idle-in-transaction tests in postgres-leadership.test.ts. Now
 * the lease is 3 s (a 2.7 s budget per statement), every wait is on an event
 * (a child line, a leadership change) with a deadline that names what it
 * waited for, the child's loop is sequential (no pile-up of overlapping
 * writes under load) and the test has an explicit timeout. What it proves is
 * unchanged; the only wall-clock assertion (takeover within lease + 600 ms) is
 * gone: causality (leader only after the freeze, epoch 2) replaces it.
 */

const LEASE_SECONDS = 3;
const WAIT_MS = 30_000;

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
// sequential, not setInterval: under load overlapping iterations would pile up and conflict with each other
const loop = async () => {
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
  setTimeout(loop, 50);
};
void loop();
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

interface ChildOutput {
  readonly events: Record<string, unknown>[];
  /** resolves with the first event at index ≥ `from` matching `pred`; rejects naming `what` on exit or deadline */
  next(what: string, pred: (e: Record<string, unknown>) => boolean, from?: number): Promise<number>;
}

function collect(child: ChildProcess): ChildOutput {
  const events: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let exited: string | undefined;
  if (!child.stdout) throw new Error('no stdout');
  createInterface({ input: child.stdout }).on('line', (line) => {
    events.push(JSON.parse(line) as Record<string, unknown>);
    for (const w of waiters) w();
  });
  child.on('exit', (code, signal) => {
    exited = `child exited (code ${String(code)}, signal ${String(signal)})`;
    for (const w of waiters) w();
  });
  return {
    events,
    next(what, pred, from = 0) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`timed out waiting for ${what}`)), WAIT_MS);
        const check = (): void => {
          const i = events.findIndex((e, j) => j >= from && pred(e));
          if (i >= 0) done(undefined, i);
          else if (exited !== undefined) done(new Error(`${exited} while waiting for ${what}`));
        };
        const done = (err: Error | undefined, i = -1): void => {
          clearTimeout(timer);
          waiters.delete(check);
          if (err) reject(err);
          else resolve(i);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** resolves when `l` says it is the leader (its onChange event), rejects after the deadline */
function becomesLeader(l: PgLeadership): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out waiting for the takeover (lease ${JSON.stringify(l.state().lease)})`));
    }, WAIT_MS);
    const off = l.onChange((state) => {
      if (state.role !== 'leader') return;
      clearTimeout(timer);
      off();
      resolve();
    });
    if (l.isLeader()) {
      clearTimeout(timer);
      off();
      resolve();
    }
  });
}

describe('a leader frozen past its lease (SIGSTOP/SIGCONT)', () => {
  it('makes no toggle write and no save after the takeover', { timeout: 90_000 }, async () => {
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
      await out.next('the child to write as leader', (e) => e.event === 'wrote');
      expect(out.events[0]).toMatchObject({ event: 'started', leader: true, epoch: 1 });
      await us.start();
      expect(us.isLeader()).toBe(false);

      child.kill('SIGSTOP');
      await becomesLeader(us);
      const mark = await pg.pool.query<{ at: Date }>('SELECT clock_timestamp() AS at');
      const ours = new FencedStore(inner, us);
      const current = await ours.load('alpha');
      await ours.save({ ...(current ?? record('alpha')), specHash: 'ours' }, current?.version ?? 0);
      await ours.appendHistory('alpha', { type: 'spec', at: 0, specHash: 'takeover', source: null });
      const resumedFrom = out.events.length;

      // resumed only after our writes landed: every child write from here on comes after the takeover
      child.kill('SIGCONT');
      await out.next('10 child iterations after SIGCONT', () => true, resumedFrom + 10);
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
