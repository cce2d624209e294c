import { describe, expect, it } from 'vitest';
import { PgListener } from '../../../src/store/postgres/listener.js';
import { captureLogger } from '../helpers.js';
import { usePostgres } from '../pg-fixture.js';

const pg = usePostgres();

/** resolves with the payloads of `channel` once `count` arrived */
function collect(listener: PgListener, channel: string) {
  const got: string[] = [];
  const waiters: (() => void)[] = [];
  const unlisten = listener.listen(channel, (payload) => {
    got.push(payload);
    waiters.splice(0).forEach((w) => w());
  });
  const until = async (count: number): Promise<string[]> => {
    const end = Date.now() + 5_000;
    while (got.length < count && Date.now() < end) await new Promise<void>((r) => waiters.push(r));
    return [...got];
  };
  return { got, unlisten, until };
}

async function notifyUntil(channel: string, payload: string, done: () => boolean): Promise<void> {
  // NOTIFY is lost while nobody listens: repeat until the listener is back
  const end = Date.now() + 5_000;
  while (!done() && Date.now() < end) {
    await pg.pool.query('SELECT pg_notify($1, $2)', [channel, payload]);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('postgres LISTEN connection', () => {
  it('delivers NOTIFY payloads to the subscribers of the channel only, until unsubscribed', async () => {
    const listener = new PgListener(pg.db.url);
    try {
      const a = collect(listener, 'sg_test_a');
      const b = collect(listener, 'sg_test_b');
      const stopA = await a.unlisten;
      await b.unlisten;
      await pg.pool.query(`SELECT pg_notify('sg_test_a', '1'), pg_notify('sg_test_b', '2')`);
      expect(await a.until(1)).toEqual(['1']);
      expect(await b.until(1)).toEqual(['2']);
      stopA();
      await pg.pool.query(`SELECT pg_notify('sg_test_a', '3'), pg_notify('sg_test_b', '4')`);
      expect(await b.until(2)).toEqual(['2', '4']);
      expect(a.got).toEqual(['1']);
    } finally {
      await listener.stop();
    }
  });

  it('reconnects and listens again after its connection is killed, with a warning', async () => {
    const log = captureLogger();
    const listener = new PgListener(pg.db.url, log.logger, 100);
    try {
      const c = collect(listener, 'sg_test_kill');
      await c.unlisten;
      const killed = await pg.pool.query<{ ok: boolean }>(
        `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
         WHERE datname = current_database() AND query = 'LISTEN "sg_test_kill"'`,
      );
      expect(killed.rows.map((r) => r.ok)).toEqual([true]);
      await notifyUntil('sg_test_kill', 'after', () => c.got.length > 0);
      expect(c.got[0]).toBe('after');
      // the loss was logged before the delivery that proves the reconnect
      expect(log.lines.map((l) => l.msg)).toContain('postgres listen connection lost');
    } finally {
      await listener.stop();
    }
  });
});
