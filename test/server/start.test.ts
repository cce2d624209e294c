import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/start.js';
import { StagegateError } from '../../src/errors.js';
import { FakeStore, TOKEN, deps, record, type CommandCall } from './helpers.js';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('over real loopback', () => {
  it('serves reads and authenticated commands on an ephemeral port', async () => {
    const store = new FakeStore();
    store.records.set('alpha', record('alpha'));
    const calls: CommandCall[] = [];
    server = await startServer({ host: '127.0.0.1', port: 0 }, deps(store, calls));
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);

    const list = await fetch(`${server.url}/api/rollouts`);
    expect(((await list.json()) as { name: string }[]).map((r) => r.name)).toEqual(['alpha']);

    const refused = await fetch(`${server.url}/api/rollouts/alpha/pause`, { method: 'POST' });
    expect(refused.status).toBe(401);

    const paused = await fetch(`${server.url}/api/rollouts/alpha/pause`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'from curl', by: 'oncall' }),
    });
    expect(paused.status).toBe(200);
    expect(calls.map((c) => [c.command, c.by, c.reason])).toEqual([['pause', 'oncall', 'from curl']]);

    const metrics = await fetch(`${server.url}/metrics`);
    expect(await metrics.text()).toContain('stagegate_rollout_percent{rollout="alpha"} 2');
  });

  it('a port in use is a StagegateError naming server.port', async () => {
    const store = new FakeStore();
    server = await startServer({ host: '127.0.0.1', port: 0 }, deps(store, []));
    const port = Number(new URL(server.url).port);
    const err = await startServer({ host: '127.0.0.1', port }, deps(store, [])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StagegateError);
    expect((err as StagegateError).code).toBe('E_CONFIG_INVALID');
    expect((err as StagegateError).message).toMatch(
      new RegExp(`^cannot listen on 127\\.0\\.0\\.1:${port} \\(server\\.host/server\\.port\\): .*EADDRINUSE`),
    );
  });
});
