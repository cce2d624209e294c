import { describe, expect, it } from 'vitest';
import { PgCommandQueue } from '../../../src/store/postgres/command-queue.js';
import { PgListener } from '../../../src/store/postgres/listener.js';
import { usePostgres } from '../pg-fixture.js';

const pg = usePostgres();

async function lease(schema: string, holder: string, epoch: number): Promise<void> {
  await pg.pool.query(
    `INSERT INTO "${schema}".lease VALUES (1, $1, $2, now() + interval '1 minute', now())
     ON CONFLICT (id) DO UPDATE SET holder = $1, epoch = $2`,
    [holder, epoch],
  );
}

const pause = { rollout: 'alpha', command: 'pause', by: 'ana', reason: 'looks odd' };

async function pickUpMs(
  queue: PgCommandQueue,
  leaderQueue: PgCommandQueue,
  schema: string,
  pollMs: number,
): Promise<number> {
  await lease(schema, 'leader', 1);
  let taken: number | undefined;
  let sentAt = 0;
  let done: () => void = () => undefined;
  const got = new Promise<void>((r) => (done = r));
  const stop = await leaderQueue.subscribe(() => {
    void leaderQueue.take({ holder: 'leader', epoch: 1 }).then((cmds) => {
      if (cmds.length > 0 && taken === undefined) {
        taken = Date.now() - sentAt;
        done();
      }
    });
  }, pollMs);
  try {
    sentAt = Date.now();
    await queue.enqueue(pause);
    await got;
    return taken ?? Number.NaN;
  } finally {
    stop();
  }
}

describe('operator commands through postgres', () => {
  it('reaches the leader at once by NOTIFY', async () => {
    const schema = await pg.schema();
    const listener = new PgListener(pg.db.url);
    try {
      // a poll slower than the test: only the NOTIFY can be this fast
      const leaderQueue = new PgCommandQueue(pg.pool, schema, listener);
      const queue = new PgCommandQueue(pg.pool, schema);
      const ms = await pickUpMs(queue, leaderQueue, schema, 60_000);
      expect(ms).toBeLessThan(300);
    } finally {
      await listener.stop();
    }
  });

  it('reaches the leader within a second by polling when there is no LISTEN', async () => {
    const schema = await pg.schema();
    const queue = new PgCommandQueue(pg.pool, schema);
    expect(await pickUpMs(queue, queue, schema, 500)).toBeLessThan(1_000);
  });

  it('hands a command to the current epoch only, again to the next one if unfinished, never after done', async () => {
    const schema = await pg.schema();
    const queue = new PgCommandQueue(pg.pool, schema);
    const id = await queue.enqueue(pause);
    await lease(schema, 'a', 1);
    expect(await queue.take({ holder: 'b', epoch: 1 })).toEqual([]);
    expect(await queue.take({ holder: 'a', epoch: 1 })).toEqual([{ id, ...pause }]);
    expect(await queue.take({ holder: 'a', epoch: 1 })).toEqual([]);
    // a dies before completing it: the next leader gets it again
    await lease(schema, 'b', 2);
    expect(await queue.take({ holder: 'a', epoch: 1 })).toEqual([]);
    expect(await queue.take({ holder: 'b', epoch: 2 })).toEqual([{ id, ...pause }]);
    await queue.complete(id, { accepted: true, message: 'pause accepted for alpha' });
    await lease(schema, 'c', 3);
    expect(await queue.take({ holder: 'c', epoch: 3 })).toEqual([]);
    expect(await queue.waitFor(id, 100)).toEqual({ accepted: true, message: 'pause accepted for alpha' });
  });

  it('lets the CLI wait for the outcome, and gives up after its timeout', async () => {
    const schema = await pg.schema();
    const listener = new PgListener(pg.db.url);
    try {
      const queue = new PgCommandQueue(pg.pool, schema, listener);
      await lease(schema, 'a', 1);
      const id = await queue.enqueue(pause);
      const waiting = queue.waitFor(id, 5_000, 60_000);
      const [cmd] = await queue.take({ holder: 'a', epoch: 1 });
      const start = Date.now();
      await queue.complete(cmd?.id ?? -1, { accepted: false, message: 'alpha is already paused' });
      expect(await waiting).toEqual({ accepted: false, message: 'alpha is already paused' });
      expect(Date.now() - start).toBeLessThan(1_000);
      const other = await queue.enqueue(pause);
      expect(await queue.waitFor(other, 150)).toBeUndefined();
    } finally {
      await listener.stop();
    }
  });

  it('still reaches the leader by polling when its LISTEN connection is killed', async () => {
    const schema = await pg.schema();
    // a reconnect slower than the test: only the poll can pick the command up
    const listener = new PgListener(pg.db.url, undefined, 60_000);
    try {
      const leaderQueue = new PgCommandQueue(pg.pool, schema, listener);
      await lease(schema, 'leader', 1);
      const woken: string[] = [];
      const stop = await leaderQueue.subscribe(() => woken.push('wake'), 300);
      const killed = await pg.pool.query<{ ok: boolean }>(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
         WHERE datname = current_database() AND query LIKE 'LISTEN "sg_commands_%' AND pid <> pg_backend_pid()`,
      );
      expect(killed.rows.map((r) => r.ok)).toEqual([true]);
      try {
        const id = await new PgCommandQueue(pg.pool, schema).enqueue(pause);
        const start = Date.now();
        let taken: number[] = [];
        while (taken.length === 0 && Date.now() - start < 3_000) {
          await new Promise((r) => setTimeout(r, 50));
          if (woken.length > 0)
            taken = (await leaderQueue.take({ holder: 'leader', epoch: 1 })).map((c) => c.id);
        }
        expect(taken).toEqual([id]);
        expect(Date.now() - start).toBeLessThan(1_000);
      } finally {
        stop();
      }
    } finally {
      await listener.stop();
    }
  });

  it('keeps commands queued while there is no leader; the next one drains them in order, each once', async () => {
    const schema = await pg.schema();
    const queue = new PgCommandQueue(pg.pool, schema);
    const ids: number[] = [];
    for (const command of ['pause', 'resume', 'abort'])
      ids.push(await queue.enqueue({ ...pause, command, rollout: 'alpha' }));
    // nobody holds the lease: nobody can take them
    expect(await queue.take({ holder: 'a', epoch: 1 })).toEqual([]);
    await lease(schema, 'a', 1);
    const first = await queue.take({ holder: 'a', epoch: 1 });
    expect(first.map((c) => [c.id, c.command])).toEqual([
      [ids[0], 'pause'],
      [ids[1], 'resume'],
      [ids[2], 'abort'],
    ]);
    // a completes the first, then dies: its successor gets the other two only, still in order
    await queue.complete(ids[0] ?? -1, { accepted: true, message: 'paused' });
    await lease(schema, 'b', 2);
    expect((await queue.take({ holder: 'b', epoch: 2 })).map((c) => c.id)).toEqual(ids.slice(1));
    expect(await queue.take({ holder: 'b', epoch: 2 })).toEqual([]);
  });
});
