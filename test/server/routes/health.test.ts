import { describe, expect, it } from 'vitest';
import { serverSetup } from '../helpers.js';

const setup = serverSetup();

describe('health and metrics', () => {
  it('GET /healthz answers 200', async () => {
    const { app } = setup();
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 when the store answers', async () => {
    const { app } = setup();
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', problems: [], records: [], leadership: null });
  });

  it('GET /readyz is 503 with the reason when the store is down', async () => {
    const { app, store } = setup();
    store.down = true;
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      status: 'not ready',
      problems: ['state store unreachable: state dir .stagegate is not readable'],
      records: [],
      leadership: null,
    });
  });

  it('GET /readyz is 503 when the store hangs past the timeout', async () => {
    const { app, store } = setup({ storeTimeoutMs: 20 }, false);
    store.list = () => new Promise(() => undefined);
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().problems).toEqual(['state store unreachable: state store did not answer within 20 ms']);
  });

  it('GET /readyz is 503 when a readiness check reports a problem', async () => {
    const { app } = setup({ readiness: () => ['config not loaded: config/stagegate.yaml:3:1: unknown key'] });
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json().problems).toEqual(['config not loaded: config/stagegate.yaml:3:1: unknown key']);
  });

  it('GET /metrics serves the Prometheus text format with state from the store', async () => {
    const { app } = setup();
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.body).toContain('stagegate_rollout_percent{rollout="alpha"} 2\n');
    expect(res.body).toContain('stagegate_rollout_percent{rollout="beta"} 75\n');
    expect(res.body).toContain('stagegate_rollout_state{rollout="beta",state="awaiting_approval"} 1\n');
    expect(res.body).toContain('stagegate_rollout_state{rollout="beta",state="running"} 0\n');
  });

  it('GET /metrics still answers when the store is down', async () => {
    const { app, store } = setup();
    store.down = true;
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('# TYPE stagegate_rollout_percent gauge');
  });
});

describe('readyz details', () => {
  it('names the lease holder and stays 200 on a follower', async () => {
    const { app } = setup({
      leadership: () => ({
        role: 'follower',
        self: 'replica-b',
        lease: { holder: 'replica-a', epoch: 7, expiresAt: Date.parse('2025-06-17T12:00:10Z') },
      }),
    });
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json().leadership).toEqual({
      role: 'follower',
      self: 'replica-b',
      holder: 'replica-a',
      epoch: 7,
      expiresAt: '2025-06-17T12:00:10.000Z',
    });
  });

  it('warns of a duplicate rollout name without failing readiness', async () => {
    const { app } = setup({
      duplicates: () => [{ name: 'alpha', ignored: 'rollouts/b.yaml', kept: 'rollouts/a.yaml' }],
    });
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json().warnings).toEqual([
      'duplicate rollout name "alpha": rollouts/b.yaml ignored, rollouts/a.yaml kept',
    ]);
  });

  it('keeps the warning on a 503 caused by another problem', async () => {
    const { app } = setup({
      readiness: () => ['config not loaded'],
      duplicates: () => [{ name: 'alpha', ignored: 'b.yaml', kept: 'a.yaml' }],
    });
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      problems: ['config not loaded'],
      warnings: ['duplicate rollout name "alpha": b.yaml ignored, a.yaml kept'],
    });
  });
});
