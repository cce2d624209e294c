import { historyEntry, parseCheckDetail } from '../../src/ports/history.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StagegateError } from '../../src/errors.js';
import type { FenceToken, Leadership } from '../../src/ports/leadership.js';
import type { HistoryEntry, StateStore } from '../../src/ports/state-store.js';
import { FencedStore } from '../../src/store/fencing/fenced-store.js';
import { lockFencedStore } from '../../src/store/state-lock-leadership.js';
import { FileStateStore } from '../../src/store/file-store.js';
import { MemoryStateStore } from '../../src/store/memory-store.js';
import { migrate } from '../../src/store/postgres/migrate.js';
import { createPool } from '../../src/store/postgres/pool.js';
import { PostgresStateStore } from '../../src/store/postgres/postgres-store.js';
import { record, removeDir } from './helpers.js';
import { createTestDatabase, stopTestServer, type TestDatabase } from './pg-test-db.js';

/* One contract, all three stores: what the controller and the operator commands rely on. */

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map(removeDir));
});

// postgres: one database for the file, a fresh schema per test
let db: TestDatabase;
let pool: pg.Pool;
let schemas = 0;
beforeAll(async () => {
  db = await createTestDatabase();
  pool = createPool({ url: db.url });
});
afterAll(async () => {
  await pool.end();
  await db.drop();
  await stopTestServer();
});

/** a store as the leader writes to it, and the takeover that deposes that leader */
interface Fenced {
  readonly store: StateStore;
  depose(): Promise<void>;
}

/** a leadership whose token is fixed; `deposed` makes fence() refuse like a follower's */
function fakeLeadership(token: FenceToken, state: { deposed: boolean }): Leadership {
  return {
    isLeader: () => !state.deposed,
    epoch: () => token.epoch,
    state: () => ({ role: 'leader', self: token.holder, lease: { ...token, expiresAt: null } }),
    onChange: () => () => undefined,
    fence: () => {
      if (state.deposed) throw new StagegateError('E_FENCED', 'not the leader');
      return token;
    },
    confirm: async () => undefined,
    stop: async () => undefined,
  };
}

/** memory and file: fenced through the lock-holder check, as `stagegate run` on a file store */
function lockFenced(inner: StateStore): Fenced {
  const state = { deposed: false };
  const leadership = fakeLeadership({ holder: 'a', epoch: 0 }, state);
  return {
    store: new FencedStore(lockFencedStore(inner, leadership), leadership),
    depose: async () => {
      state.deposed = true;
    },
  };
}

async function setLease(schema: string, holder: string, epoch: number): Promise<void> {
  await pool.query(
    `INSERT INTO "${schema}".lease (id, holder, epoch, expires_at, acquired_at) VALUES (1, $1, $2, now() + interval '1 minute', now())
     ON CONFLICT (id) DO UPDATE SET holder = $1, epoch = $2`,
    [holder, epoch],
  );
}

interface Subject {
  readonly store: StateStore;
  fenced(): Promise<Fenced>;
}

const stores: [string, () => Promise<Subject>][] = [
  [
    'memory',
    async () => {
      const store = new MemoryStateStore();
      return { store, fenced: async () => lockFenced(store) };
    },
  ],
  [
    'file',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'stagegate-store-'));
      dirs.push(dir);
      const store = new FileStateStore({ dir });
      return { store, fenced: async () => lockFenced(store) };
    },
  ],
  [
    'postgres',
    async () => {
      const schema = `contract_${++schemas}`;
      await migrate(pool, schema);
      const store = new PostgresStateStore({ pool, schema });
      return {
        store,
        // the database compares the epoch: the deposed leader's token stays what it was
        fenced: async () => {
          await setLease(schema, 'a', 1);
          const leadership = fakeLeadership({ holder: 'a', epoch: 1 }, { deposed: false });
          return { store: new FencedStore(store, leadership), depose: () => setLease(schema, 'b', 2) };
        },
      };
    },
  ],
];

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof StagegateError) return err.code;
    throw err;
  }
  return 'resolved';
}

function check(at: number): HistoryEntry {
  return historyEntry({
    type: 'check',
    at,
    stage: 'canary',
    percent: 2,
    detail: parseCheckDetail({ durationMs: at }),
  });
}

describe.each(stores)('%s state store contract', (_kind, subject) => {
  const make = async (): Promise<StateStore> => (await subject()).store;

  it('loads nothing for a rollout never saved', async () => {
    const store = await make();
    expect(await store.load('never-saved')).toBeUndefined();
    expect(await store.list()).toEqual([]);
    expect(await store.history('never-saved')).toEqual([]);
  });

  it('numbers versions from 1 and returns what load then reads', async () => {
    const store = await make();
    const first = await store.save(record('alpha'), 0);
    expect(first.version).toBe(1);
    expect(await store.load('alpha')).toEqual(first);
    const second = await store.save({ ...first, summary: { ...first.summary, percent: 25 } }, 1);
    expect(second.version).toBe(2);
    expect(second.summary.percent).toBe(25);
    expect(await store.load('alpha')).toEqual(second);
  });

  it('ignores the version inside the record: expectedVersion decides', async () => {
    const store = await make();
    const saved = await store.save(record('alpha', { version: 41 }), 0);
    expect(saved.version).toBe(1);
  });

  it.each([
    ['behind', 1, 2],
    ['ahead', 3, 2],
    ['zero when it exists', 0, 2],
  ])(
    'refuses a save whose expected version is %s with E_STORE_CONFLICT',
    async (_label, expected, stored) => {
      const store = await make();
      await store.save(record('alpha'), 0);
      await store.save(record('alpha'), 1);
      const err = await store.save(record('alpha'), expected).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StagegateError);
      expect((err as StagegateError).code).toBe('E_STORE_CONFLICT');
      expect((err as StagegateError).details).toEqual({
        name: 'alpha',
        expectedVersion: expected,
        storedVersion: stored,
      });
      expect((await store.load('alpha'))?.version).toBe(2);
    },
  );

  it('refuses a record with a fractional epoch time (E_RECORD_INVALID) and writes nothing', async () => {
    const store = await make();
    const bad = record('alpha', { updatedAt: 1_764_650_000_000.5 });
    expect(await codeOf(store.save(bad, 0, { history: [] }))).toBe('E_RECORD_INVALID');
    expect(await store.load('alpha')).toBeUndefined();
    expect(await store.history('alpha')).toEqual([]);
  });

  it('refuses a first save that expects an existing version', async () => {
    const store = await make();
    expect(await codeOf(store.save(record('alpha'), 1))).toBe('E_STORE_CONFLICT');
    expect(await store.load('alpha')).toBeUndefined();
  });

  it('lets exactly one of many concurrent writers of the same version win', async () => {
    const store = await make();
    await store.save(record('alpha'), 0);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => store.save(record('alpha', { specHash: `writer-${i}` }), 1)),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const lost = results.filter((r) => r.status === 'rejected');
    for (const r of lost) expect((r.reason as StagegateError).code).toBe('E_STORE_CONFLICT');
    const stored = await store.load('alpha');
    expect(stored?.version).toBe(2);
    expect(stored).toEqual((won[0] as PromiseFulfilledResult<unknown>).value);
  });

  it('hands out copies: mutating a returned record does not change the store', async () => {
    const store = await make();
    const saved = await store.save(record('alpha'), 0);
    (saved.summary as { percent: number }).percent = 99;
    const loaded = await store.load('alpha');
    (loaded?.snapshot as { value: string }).value = 'tampered';
    expect(await store.load('alpha')).toEqual({ ...record('alpha'), version: 1 });
  });

  it('returns history in append order, every entry type kept as written', async () => {
    const store = await make();
    const entries: HistoryEntry[] = [
      { type: 'spec', at: 1, specHash: 'h1', source: 'rollouts/alpha.yaml' },
      {
        type: 'toggle-intent',
        at: 2,
        intent: { id: 'i1', action: 'set', percent: 2, gate: 'percentage_of_actors', at: 2 },
      },
      { type: 'toggle-result', at: 3, intentId: 'i1', ok: true, percent: 2, error: null },
      check(4),
      {
        type: 'command',
        at: 5,
        command: 'pause',
        by: 'ana',
        reason: 'line 1\nline 2',
        accepted: true,
        message: null,
      },
      {
        type: 'transition',
        at: 6,
        from: 'running',
        to: 'paused',
        stage: 'canary',
        percent: 2,
        reason: 'operator',
      },
    ];
    for (const entry of entries) await store.appendHistory('alpha', entry);
    // read back in the current shape: the version stamped on
    expect(await store.history('alpha')).toEqual(entries.map((e) => historyEntry(e)));
    expect(await store.history('beta')).toEqual([]);
  });

  it('keeps every entry of concurrent appends', async () => {
    const store = await make();
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.appendHistory('alpha', check(i))));
    const at = (await store.history('alpha')).map((e) => e.at).sort((a, b) => a - b);
    expect(at).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('lists the current version of every saved rollout, sorted by name', async () => {
    const store = await make();
    await store.save(record('charlie'), 0);
    await store.save(record('alpha'), 0);
    await store.save(record('alpha', { specHash: 'second' }), 1);
    await store.appendHistory('history-only', check(1));
    const listed = await store.list();
    expect(listed.map((r) => [r.name, r.version, r.specHash])).toEqual([
      ['alpha', 2, 'second'],
      ['charlie', 1, 'sha256:abc'],
    ]);
  });

  it.each([
    '../etc',
    '..',
    '.',
    '',
    'a/b',
    'a\\b',
    'Alpha',
    'alpha.json',
    '-alpha',
    'alpha-',
    'a'.repeat(64),
    'al pha',
  ])('refuses the rollout name %j with E_USAGE', async (name) => {
    const store = await make();
    expect(await codeOf(store.load(name))).toBe('E_USAGE');
    expect(await codeOf(store.save(record(name), 0))).toBe('E_USAGE');
    expect(await codeOf(store.appendHistory(name, check(1)))).toBe('E_USAGE');
    expect(await codeOf(store.history(name))).toBe('E_USAGE');
    expect(await store.list()).toEqual([]);
  });

  it.each([-1, 1.5, Number.NaN])('refuses expectedVersion %s with E_USAGE', async (expected) => {
    const store = await make();
    expect(await codeOf(store.save(record('alpha'), expected))).toBe('E_USAGE');
  });
});

describe.each(stores)('%s state store: a save with its history (atomic commit)', (_kind, subject) => {
  const ats = async (store: StateStore): Promise<number[]> => (await store.history('alpha')).map((e) => e.at);

  it('appends the entries after those already there, and load shows no commit bookkeeping', async () => {
    const { store } = await subject();
    await store.appendHistory('alpha', check(1));
    const saved = await store.save(record('alpha'), 0, { history: [check(2), check(3)] });
    expect(saved).toEqual({ ...record('alpha'), version: 1 });
    expect(await store.load('alpha')).toEqual({ ...record('alpha'), version: 1 });
    expect(await store.history('alpha')).toEqual([check(1), check(2), check(3)]);
    await store.save(record('alpha', { specHash: 'next' }), 1, { history: [check(4)] });
    expect(await ats(store)).toEqual([1, 2, 3, 4]);
  });

  it('appends none of the entries of a conflicting save', async () => {
    const { store } = await subject();
    await store.save(record('alpha'), 0, { history: [check(1)] });
    expect(await codeOf(store.save(record('alpha'), 0, { history: [check(2), check(3)] }))).toBe(
      'E_STORE_CONFLICT',
    );
    expect(await ats(store)).toEqual([1]);
    expect((await store.load('alpha'))?.version).toBe(1);
  });

  it('appends none of the entries of a save refused as fenced', async () => {
    const { store, fenced } = await subject();
    const leader = await fenced();
    await leader.store.save(record('alpha'), 0, { history: [check(1)] });
    await leader.depose();
    expect(await codeOf(leader.store.save(record('alpha'), 1, { history: [check(2)] }))).toBe('E_FENCED');
    expect(await ats(store)).toEqual([1]);
    expect((await store.load('alpha'))?.version).toBe(1);
  });

  it('of racing saves on one version, keeps exactly the winner and its entries', async () => {
    const { store } = await subject();
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        store.save(record('alpha', { specHash: `w${i}` }), 0, {
          history: [check(i * 10), check(i * 10 + 1)],
        }),
      ),
    );
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    expect(won).toHaveLength(1);
    const winner = won[0] ?? -1;
    expect((await store.load('alpha'))?.specHash).toBe(`w${winner}`);
    expect(await ats(store)).toEqual([winner * 10, winner * 10 + 1]);
  });
});
