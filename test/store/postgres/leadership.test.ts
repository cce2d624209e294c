import { afterEach, describe, expect, it } from 'vitest';
import { StagegateError } from '../../../src/errors.js';
import type { Leadership } from '../../../src/ports/leadership.js';
import { MemoryToggleProvider } from '../../../src/providers/toggles/memory.js';
import { FencedStore } from '../../../src/store/fencing/fenced-store.js';
import { FencedToggleProvider } from '../../../src/store/fencing/fenced-toggle.js';
import { PgLeadership } from '../../../src/store/postgres/leadership.js';
import { readLease } from '../../../src/store/postgres/lease-sql.js';
import { PgListener } from '../../../src/store/postgres/listener.js';
import { createPool } from '../../../src/store/postgres/pool.js';
import { PostgresStateStore } from '../../../src/store/postgres/postgres-store.js';
import { record } from '../helpers.js';
import { usePostgres } from '../pg-fixture.js';

const pg = usePostgres();
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function codeOf(work: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (err) {
    return err instanceof StagegateError ? err.code : `untyped: ${String(err)}`;
  }
  return 'resolved';
}

async function until(cond: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - start;
}

interface Replica {
  readonly lead: PgLeadership;
  readonly pool: ReturnType<typeof createPool>;
  clock: { skew: number };
}

async function replica(
  schema: string,
  self: string,
  leaseSeconds = 1,
  listen = true,
  lockTimeoutMs?: number,
): Promise<Replica> {
  const pool = createPool({ url: pg.db.url, max: 2, lockTimeoutMs });
  const listener = listen ? new PgListener(pg.db.url) : undefined;
  const clock = { skew: 0 };
  const lead = new PgLeadership({
    pool,
    schema,
    leaseSeconds,
    self,
    listener,
    monotonic: () => performance.now() + clock.skew,
  });
  cleanup.push(async () => {
    await lead.stop();
    await listener?.stop();
    await pool.end().catch(() => undefined);
  });
  await lead.start();
  return { lead, pool, clock };
}

const leaders = (rs: readonly Replica[]) => rs.filter((r) => r.lead.isLeader());

describe('postgres leader election', () => {
  it('elects exactly one of three replicas starting at once, epoch 1', async () => {
    const schema = await pg.schema();
    const rs = await Promise.all(['a', 'b', 'c'].map((id) => replica(schema, id)));
    expect(leaders(rs)).toHaveLength(1);
    const leader = leaders(rs)[0] as Replica;
    expect(leader.lead.epoch()).toBe(1);
    expect(await readLease(pg.pool, `"${schema}"`)).toMatchObject({
      holder: leader.lead.state().self,
      epoch: 1,
    });
    // renewals keep it: still one leader, same epoch, after three lease lengths
    await new Promise((r) => setTimeout(r, 3_000));
    expect(leaders(rs)).toEqual([leader]);
    expect(leader.lead.epoch()).toBe(1);
    for (const r of rs.filter((x) => x !== leader)) {
      expect(r.lead.state()).toMatchObject({
        role: 'follower',
        lease: { holder: leader.lead.state().self, epoch: 1 },
      });
    }
  });

  it('hands over at once when the leader stops cleanly (release + NOTIFY)', async () => {
    const schema = await pg.schema();
    const a = await replica(schema, 'a', 5);
    const b = await replica(schema, 'b', 5);
    expect(a.lead.isLeader()).toBe(true);
    const changes: string[] = [];
    b.lead.onChange((s) => changes.push(`${s.role}:${s.lease.epoch}`));
    await a.lead.stop();
    const took = await until(() => b.lead.isLeader(), 2_000);
    expect(took).toBeLessThan(1_000);
    expect(b.lead.epoch()).toBe(2);
    expect(changes).toContain('leader:2');
  });

  it('takes over within the lease plus one poll when the leader is cut off', async () => {
    const schema = await pg.schema();
    const a = await replica(schema, 'a', 1);
    const b = await replica(schema, 'b', 1);
    expect(a.lead.isLeader()).toBe(true);
    const cut = Date.now();
    await a.pool.end(); // the network cut: no renewals reach the database
    await until(() => b.lead.isLeader(), 3_000);
    const takeover = Date.now() - cut;
    expect(takeover).toBeLessThanOrEqual(1_000 + 334 + 300);
    // the cut-off leader stepped down by its own deadline, before the takeover
    expect(a.lead.isLeader()).toBe(false);
    expect(await codeOf(() => a.lead.fence())).toBe('E_FENCED');
    expect(b.lead.epoch()).toBe(2);
  });

  /** a leader frozen inside a fenced save: its transaction holds the lease row FOR SHARE and never ends */
  async function frozenInsideSave(schema: string, idleInTransactionMs: number): Promise<() => void> {
    const storePool = createPool({ url: pg.db.url, max: 1, idleInTransactionMs });
    const client = await storePool.connect();
    client.on('error', () => undefined); // the server ends the session: expected
    await client.query('BEGIN');
    await client.query(`SELECT epoch FROM "${schema}".lease WHERE id = 1 FOR SHARE`);
    let released = false;
    const thaw = (): void => {
      if (released) return;
      released = true;
      client.release(true);
    };
    cleanup.push(async () => {
      thaw();
      await storePool.end().catch(() => undefined);
    });
    return thaw;
  }

  it.each([
    ['ends the frozen transaction, so the follower takes over', 500, true],
    ['(control: without the timeout the row lock blocks the takeover)', 60_000, false],
  ])('idle-in-transaction timeout %s', async (_what, idleMs, takesOver) => {
    const schema = await pg.schema();
    const a = await replica(schema, 'a', 1);
    expect(a.lead.isLeader()).toBe(true);
    const thaw = await frozenInsideSave(schema, idleMs);
    await a.pool.end(); // frozen: no renewals either
    // as openPostgresState opens it: a lease attempt fails on a held row lock instead of hanging
    const b = await replica(schema, 'b', 1, true, 300);
    const outcome = await until(() => b.lead.isLeader(), 4_000).then(
      () => 'took over',
      () => 'blocked',
    );
    thaw();
    expect(outcome).toBe(takesOver ? 'took over' : 'blocked');
    if (takesOver) expect(b.lead.epoch()).toBe(2);
  });

  it('wakes up from a freeze past its lease as a follower, before any write', async () => {
    const schema = await pg.schema();
    const a = await replica(schema, 'a', 1);
    expect(a.lead.isLeader()).toBe(true);
    a.clock.skew = 5_000; // the monotonic clock jumped: the process was stopped for 5 s
    expect(a.lead.isLeader()).toBe(false);
    expect(await codeOf(() => a.lead.fence())).toBe('E_FENCED');
  });

  it('fences store and toggle writes of a deposed leader; writes toward off still go through', async () => {
    const schema = await pg.schema();
    const inner = new PostgresStateStore({ pool: pg.pool, schema });
    const a = await replica(schema, 'a', 1, false);
    const toggles = new MemoryToggleProvider();
    const store = new FencedStore(inner, a.lead as Leadership);
    const toggle = new FencedToggleProvider(toggles, a.lead);
    const saved = await store.save(record('alpha'), 0);
    await toggle.setPercent('feature', 25, 'percentage_of_actors');
    await store.appendHistory('alpha', { type: 'spec', at: 1, specHash: 'h', source: null });

    // a is cut off and b takes over; then a's clock "forgets" (the worst case)
    const b = await replica(schema, 'b', 1, false);
    expect(b.lead.isLeader()).toBe(false);
    await a.pool.end();
    await until(() => b.lead.isLeader(), 3_000);
    a.clock.skew = -60_000;
    expect(a.lead.fence().epoch).toBe(1);
    // the store refuses by the epoch in the database, the toggle because the lease is not confirmed
    expect(await codeOf(store.save(saved, 1))).toBe('E_FENCED');
    expect(await codeOf(toggle.setPercent('feature', 50, 'percentage_of_actors'))).toBe('E_FENCED');
    expect(await codeOf(toggle.enable('feature'))).toBe('E_FENCED');
    expect((await toggles.read('feature')).percentageOfActors).toBe(25);
    // toward off: never fenced
    await toggle.disable('feature', 'zero');
    await toggle.setPercent('feature', 0, 'percentage_of_actors');
    await store.appendHistory('alpha', {
      type: 'toggle-intent',
      at: 2,
      intent: { id: 'i', action: 'disable', percent: 0, gate: 'percentage_of_actors', mode: 'zero', at: 2 },
    });
    expect((await toggles.read('feature')).percentageOfActors).toBe(0);
    expect(
      await codeOf(store.appendHistory('alpha', { type: 'spec', at: 3, specHash: 'h2', source: null })),
    ).toBe('E_FENCED');
    expect((await inner.history('alpha')).map((e) => e.type)).toEqual(['spec', 'toggle-intent']);
    expect((await inner.load('alpha'))?.version).toBe(1);
  });
});
