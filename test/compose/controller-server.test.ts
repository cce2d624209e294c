import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Controller } from '../../src/controller/controller.js';
import type { Wiring } from '../../src/controller/wiring.js';
import { StagegateError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';
import type { MetricsProvider } from '../../src/ports/metrics-provider.js';
import type { ToggleProvider } from '../../src/ports/toggle-provider.js';
import {
  instrumentWiring,
  serverDepsFor,
  startControllerServer,
} from '../../src/compose/controller-server.js';
import { StagegateMetrics } from '../../src/server/metrics.js';
import { buildServer } from '../../src/server/server.js';
import { configSchema } from '../../src/config/schema.js';
import type { Rollout } from '../../src/rollout/types.js';
import { rollout } from '../report/fixtures.js';
import { FakeStore, record, summary } from '../server/helpers.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

interface Call {
  name: string;
  cmd: string;
  by: string;
  reason: string | null;
}

function fakeController(
  store: FakeStore,
  calls: Call[],
  ready = { ready: true, reason: null as string | null },
  duplicates: ReturnType<Controller['duplicates']> = [],
): Controller {
  const loaded: Rollout[] = [rollout];
  return {
    store,
    lock: async () => undefined,
    unlock: async () => undefined,
    start: async () => undefined,
    stop: async () => undefined,
    runOnce: async () => {
      throw new Error('unused');
    },
    rollouts: () => loaded,
    rollout: (name) => loaded.find((r) => r.name === name),
    duplicates: () => duplicates,
    leadershipState: () => ({
      role: 'follower',
      self: 'replica-b',
      lease: { holder: 'replica-a', epoch: 7, expiresAt: Date.parse('2025-06-17T12:00:15Z') },
    }),
    async command(name, cmd, meta) {
      calls.push({ name, cmd, ...meta });
      if (!loaded.some((r) => r.name === name))
        throw new StagegateError('E_NOT_FOUND', `no rollout named "${name}" in rollouts`);
      if (cmd === 'approve') {
        return {
          accepted: false,
          message: `approve refused for ${name}: not awaiting approval`,
          summary: summary(),
          outcome: { transitions: [], notices: [], decision: null },
          record: undefined,
        };
      }
      return {
        accepted: true,
        message: `${cmd} accepted for ${name}; now paused at canary (2%)`,
        summary: summary({ state: 'paused' }),
        outcome: { transitions: [], notices: [], decision: null },
        record: undefined,
      };
    },
    ready: async () => ready,
  };
}

const config = (server: Record<string, unknown>) => configSchema.parse({ server });
const env = { STAGEGATE_API_TOKEN: ' tok ' };

describe('serverDepsFor (the API on top of the controller)', () => {
  it('commands go through controller.command with the token from server.tokenEnv', async () => {
    const store = new FakeStore();
    const calls: Call[] = [];
    const deps = serverDepsFor(fakeController(store, calls), {
      metrics: new StagegateMetrics({ defaultMetrics: false }),
      logger: silentLogger(),
      config: config({ tokenEnv: 'STAGEGATE_API_TOKEN' }),
      env,
    });
    app = buildServer(deps);
    const headers = { authorization: 'Bearer tok' };
    const ok = await app.inject({
      method: 'POST',
      url: `/api/rollouts/${rollout.name}/pause`,
      headers,
      payload: { by: 'ian', reason: 'why' },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().message).toBe('pause accepted for event-bus-gateway-emails; now paused at canary (2%)');
    const refused = await app.inject({
      method: 'POST',
      url: `/api/rollouts/${rollout.name}/approve`,
      headers,
    });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.message).toBe(
      'approve refused for event-bus-gateway-emails: not awaiting approval',
    );
    const unknown = await app.inject({ method: 'POST', url: '/api/rollouts/ghost/pause', headers });
    expect(unknown.statusCode).toBe(404);
    expect(calls).toEqual([
      { name: rollout.name, cmd: 'pause', by: 'ian', reason: 'why' },
      { name: rollout.name, cmd: 'approve', by: 'api', reason: null },
      { name: 'ghost', cmd: 'pause', by: 'api', reason: null },
    ]);
  });

  it('lists loaded rollouts that have no record yet as pending', async () => {
    const store = new FakeStore();
    store.records.set('other', record('other'));
    app = buildServer(
      serverDepsFor(fakeController(store, []), {
        metrics: new StagegateMetrics({ defaultMetrics: false }),
        logger: silentLogger(),
        config: config({}),
        env: {},
      }),
    );
    const res = await app.inject({ method: 'GET', url: '/api/rollouts' });
    expect(res.json().map((r: { name: string; state: string }) => [r.name, r.state])).toEqual([
      ['event-bus-gateway-emails', 'pending'],
      ['other', 'running'],
    ]);
  });

  it('no tokenEnv, or an empty variable, leaves the API read-only', async () => {
    for (const [server, vars] of [
      [{}, env],
      [{ tokenEnv: 'STAGEGATE_API_TOKEN' }, { STAGEGATE_API_TOKEN: '  ' }],
    ] as const) {
      const deps = serverDepsFor(fakeController(new FakeStore(), []), {
        metrics: new StagegateMetrics({ defaultMetrics: false }),
        logger: silentLogger(),
        config: config(server),
        env: vars,
      });
      expect(deps.auth.token).toBeUndefined();
    }
  });

  it('/readyz reports the controller starting', async () => {
    app = buildServer(
      serverDepsFor(fakeController(new FakeStore(), [], { ready: false, reason: 'starting' }), {
        metrics: new StagegateMetrics({ defaultMetrics: false }),
        logger: silentLogger(),
        config: config({}),
        env: {},
      }),
    );
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().problems).toEqual(['controller not ready: starting']);
  });

  it('a duplicate rollout name: GET /api/rollouts shows the ignored and the kept file, /readyz warns (200)', async () => {
    const dup = { name: rollout.name, ignored: 'rollouts/copy.yaml', kept: 'rollouts/ebg.yaml' };
    app = buildServer(
      serverDepsFor(fakeController(new FakeStore(), [], { ready: true, reason: null }, [dup]), {
        metrics: new StagegateMetrics({ defaultMetrics: false }),
        logger: silentLogger(),
        config: config({}),
        env: {},
      }),
    );
    const list = await app.inject({ method: 'GET', url: '/api/rollouts' });
    expect(list.json()[0]).toMatchObject({
      name: rollout.name,
      duplicates: [{ ignored: 'rollouts/copy.yaml', kept: 'rollouts/ebg.yaml' }],
    });
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().warnings).toEqual([
      `duplicate rollout name "${rollout.name}": rollouts/copy.yaml ignored, rollouts/ebg.yaml kept`,
    ]);
  });

  it('/readyz says who acts: this replica is a follower, the lease holder and its epoch', async () => {
    app = buildServer(
      serverDepsFor(fakeController(new FakeStore(), []), {
        metrics: new StagegateMetrics({ defaultMetrics: false }),
        logger: silentLogger(),
        config: config({}),
        env: {},
      }),
    );
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json().leadership).toEqual({
      role: 'follower',
      self: 'replica-b',
      holder: 'replica-a',
      epoch: 7,
      expiresAt: '2025-06-17T12:00:15.000Z',
    });
  });

  it('startControllerServer does nothing when server.enabled is false, listens otherwise', async () => {
    const opts = {
      metrics: new StagegateMetrics({ defaultMetrics: false }),
      logger: silentLogger(),
      env: {},
    };
    const controller = fakeController(new FakeStore(), []);
    expect(
      await startControllerServer(controller, { ...opts, config: config({ enabled: false }) }),
    ).toBeUndefined();
    const running = await startControllerServer(controller, { ...opts, config: config({ port: 0 }) });
    try {
      expect((await fetch(`${running?.url}/healthz`)).status).toBe(200);
    } finally {
      await running?.close();
    }
  });
});

describe('instrumentWiring', () => {
  it('wraps providers once each and records their calls', async () => {
    const metrics = new StagegateMetrics({ defaultMetrics: false });
    const dd: MetricsProvider = {
      name: 'datadog',
      query: async () => ({ kind: 'value', value: 1 }),
      queryMany: async (reqs) => reqs.map(() => ({ kind: 'value', value: 1 })),
    };
    const flipper = { name: 'flipper' } as ToggleProvider;
    const base = {
      metricsFor: () => dd,
      toggleFor: () => flipper,
      notify: () => undefined,
      drain: async () => undefined,
    } as unknown as Wiring;
    const wiring = instrumentWiring(base, metrics);
    expect(wiring.metricsFor(undefined)).toBe(wiring.metricsFor('datadog'));
    expect(wiring.toggleFor('flipper')).toBe(wiring.toggleFor('flipper'));
    await wiring.metricsFor(undefined).queryMany([]);
    expect(await metrics.text()).toContain(
      'stagegate_provider_request_duration_seconds_count{provider="datadog",outcome="ok"} 1',
    );
  });
});
