import { describe, expect, it } from 'vitest';
import { createCommandRelay, type CommandRelay } from '../../src/compose/command-relay.js';
import type { Controller } from '../../src/controller/controller.js';
import type { Wiring } from '../../src/controller/wiring.js';
import { StagegateError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import type { FenceToken, Leadership } from '../../src/ports/leadership.js';
import type { RolloutSummary, StateStore } from '../../src/ports/state-store.js';
import type { Rollout } from '../../src/rollout/types.js';
import type { OperatorCommand } from '../../src/runtime/engine-session.js';
import { PgCommandQueue } from '../../src/store/postgres/command-queue.js';
import { PgListener } from '../../src/store/postgres/listener.js';
import { PostgresStateStore } from '../../src/store/postgres/postgres-store.js';
import { rollout } from '../report/fixtures.js';
import { record, summary } from '../server/helpers.js';
import { usePostgres } from '../store/pg-fixture.js';

/*
 * Two replicas' relays on one real database: the follower's API hands a
 * command to the queue, the leader's relay applies it through its controller
 * (here: a save of the new summary), and the follower reads the result back.
 */

const pg = usePostgres();
const NAME = rollout.name;

async function setLease(schema: string, holder: string, epoch: number): Promise<void> {
  await pg.pool.query(
    `INSERT INTO "${schema}".lease VALUES (1, $1, $2, now() + interval '1 minute', now())
     ON CONFLICT (id) DO UPDATE SET holder = $1, epoch = $2`,
    [holder, epoch],
  );
}

function leadership(token: FenceToken, leader: { on: boolean }): Leadership {
  const listeners: ((s: ReturnType<Leadership['state']>) => void)[] = [];
  return {
    isLeader: () => leader.on,
    epoch: () => token.epoch,
    state: () => ({
      role: leader.on ? 'leader' : 'follower',
      self: token.holder,
      lease: { ...token, expiresAt: null },
    }),
    onChange: (cb) => {
      listeners.push(cb);
      return () => undefined;
    },
    fence: () => {
      if (!leader.on) throw new StagegateError('E_FENCED', 'not the leader');
      return token;
    },
    confirm: async () => undefined,
    stop: async () => undefined,
  };
}

const STATE_AFTER: Partial<Record<OperatorCommand, RolloutSummary['state']>> = {
  pause: 'paused',
  resume: 'running',
};

/** a controller whose commands save the state they lead to, logging each application */
function controller(store: StateStore, events: string[]): Controller {
  const loaded: Rollout[] = [rollout];
  const unused = async (): Promise<never> => {
    throw new Error('unused');
  };
  return {
    store,
    lock: unused,
    unlock: unused,
    start: unused,
    stop: unused,
    runOnce: unused,
    rollouts: () => loaded,
    rollout: (name) => loaded.find((r) => r.name === name),
    duplicates: () => [],
    leadershipState: () => ({ role: 'leader', self: 'x', lease: { holder: 'x', epoch: 1, expiresAt: null } }),
    ready: async () => ({ ready: true, reason: null }),
    async command(name, cmd, meta) {
      events.push(`applied ${cmd} by ${meta.by}`);
      const current = await store.load(name);
      const next = summary({ state: STATE_AFTER[cmd] ?? 'paused' });
      const saved = await store.save({ ...record(name), summary: next }, current?.version ?? 0);
      return {
        accepted: true,
        message: `${cmd} accepted for ${name}`,
        summary: next,
        outcome: { transitions: [], notices: [], decision: null },
        record: saved,
      };
    },
  };
}

const wiring = { toggleFor: () => ({}) } as unknown as Wiring;

interface Pair {
  readonly leader: CommandRelay;
  readonly follower: CommandRelay;
  readonly store: PostgresStateStore;
  readonly events: string[];
  readonly listener: PgListener;
  readonly schema: string;
  close(): Promise<void>;
}

async function pair(opts: { pollMs: number; leaderOn: boolean; retryMs?: number }): Promise<Pair> {
  const schema = await pg.schema();
  const store = new PostgresStateStore({ pool: pg.pool, schema });
  const events: string[] = [];
  const listener = new PgListener(pg.db.url, undefined, opts.retryMs ?? 1_000);
  const queue = new PgCommandQueue(pg.pool, schema, listener);
  await setLease(schema, 'replica-a', 1);
  const leaderRelay = createCommandRelay({
    controller: controller(store, events),
    queue,
    leadership: leadership({ holder: 'replica-a', epoch: 1 }, { on: opts.leaderOn }),
    wiring,
    logger: silentLogger(),
    pollMs: opts.pollMs,
  });
  const followerRelay = createCommandRelay({
    controller: controller(store, ['the follower must not apply anything']),
    queue: new PgCommandQueue(pg.pool, schema, listener),
    leadership: leadership({ holder: 'replica-b', epoch: 1 }, { on: false }),
    wiring,
    logger: silentLogger(),
    waitMs: 5_000,
  });
  return {
    leader: leaderRelay,
    follower: followerRelay,
    store,
    events,
    listener,
    schema,
    async close() {
      await leaderRelay.stop();
      await listener.stop();
    },
  };
}

describe('command relay between replicas', () => {
  it("applies a command posted to a follower on the leader, by NOTIFY, and the follower's status shows it", async () => {
    // a poll slower than the test: only NOTIFY can wake the leader
    const p = await pair({ pollMs: 60_000, leaderOn: true });
    try {
      await p.leader.start();
      await p.store.save(record(NAME), 0);
      p.events.push('posted');
      const started = Date.now();
      const result = await p.follower.apply(NAME, 'pause', { by: 'ana', reason: 'odd' });
      p.events.push(`visible ${result.summary.state}`);
      expect(p.events).toEqual(['posted', 'applied pause by ana', 'visible paused']);
      expect(result).toMatchObject({ accepted: true, message: `pause accepted for ${NAME}` });
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      await p.close();
    }
  });

  it('picks the command up by polling when the LISTEN connection is killed', async () => {
    // a reconnect slower than the test: only the leader's poll can find the command
    const p = await pair({ pollMs: 300, leaderOn: true, retryMs: 60_000 });
    try {
      await p.leader.start();
      const killed = await pg.pool.query<{ ok: boolean }>(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
         WHERE datname = current_database() AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid()`,
      );
      expect(killed.rows.length).toBeGreaterThan(0);
      p.events.push('posted');
      const result = await p.follower.apply(NAME, 'pause', { by: 'ana', reason: null });
      p.events.push(`visible ${result.summary.state}`);
      expect(p.events).toEqual(['posted', 'applied pause by ana', 'visible paused']);
    } finally {
      await p.close();
    }
  });

  it('leaves commands queued while there is no leader; the next leader applies them in order, once each', async () => {
    const p = await pair({ pollMs: 200, leaderOn: true });
    try {
      const follower = createCommandRelay({
        controller: controller(p.store, ['the follower must not apply anything']),
        queue: new PgCommandQueue(pg.pool, p.schema),
        leadership: leadership({ holder: 'replica-b', epoch: 1 }, { on: false }),
        wiring,
        logger: silentLogger(),
        waitMs: 100,
      });
      const answers = [];
      for (const cmd of ['pause', 'resume', 'pause'] as const)
        answers.push(await follower.apply(NAME, cmd, { by: `op-${cmd}`, reason: null }));
      expect(answers.map((a) => a.message)).toEqual(
        answers.map(() => expect.stringContaining('no leader answered') as unknown as string),
      );
      expect(p.events).toEqual([]);
      await p.leader.start();
      const end = Date.now() + 5_000;
      while (p.events.length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      // a few more polls: nothing is applied a second time
      await new Promise((r) => setTimeout(r, 600));
      expect(p.events).toEqual([
        'applied pause by op-pause',
        'applied resume by op-resume',
        'applied pause by op-pause',
      ]);
      expect((await p.store.load(NAME))?.summary.state).toBe('paused');
    } finally {
      await p.close();
    }
  });
});
