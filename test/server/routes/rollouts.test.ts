import { describe, expect, it } from 'vitest';
import { serverSetup } from '../helpers.js';

const setup = serverSetup();

describe('read API', () => {
  it('GET /api/rollouts lists records and loaded-but-unsaved rollouts, sorted by name', async () => {
    const { app } = setup({ loadedRollouts: () => ['alpha', 'gamma'] });
    const res = await app.inject({ method: 'GET', url: '/api/rollouts' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual([
      {
        name: 'alpha',
        state: 'running',
        stage: 'canary',
        stageIndex: 0,
        percent: 2,
        reason: null,
        lastCheckAt: '2025-06-17T12:00:00.000Z',
        updatedAt: '2025-06-17T12:00:00.000Z',
        version: 3,
        problem: null,
      },
      {
        name: 'beta',
        state: 'awaiting_approval',
        stage: 'stage-e',
        stageIndex: 4,
        percent: 75,
        reason: null,
        lastCheckAt: '2025-06-17T12:00:00.000Z',
        updatedAt: '2025-06-17T12:00:00.000Z',
        version: 3,
        problem: null,
      },
      {
        name: 'gamma',
        state: 'pending',
        stage: null,
        stageIndex: 0,
        percent: 0,
        reason: null,
        lastCheckAt: null,
        updatedAt: null,
        version: 0,
        problem: null,
      },
    ]);
  });

  it('GET /api/rollouts/:name returns the last check with values and reasons', async () => {
    const { app } = setup();
    const res = await app.inject({ method: 'GET', url: '/api/rollouts/alpha' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.state).toBe('running');
    expect(body.lastCheck).toEqual({
      at: '2025-06-17T12:00:00.000Z',
      stage: 'canary',
      percent: 2,
      decision: 'hold',
      reasons: ['error_rate inconclusive'],
      exposure: '2% of actors',
      measurements: {
        error_rate: { kind: 'ratio', value: 0.02, numerator: 2, denominator: 100 },
        sent: { kind: 'no-data', reason: 'empty series' },
      },
      results: [
        {
          criterion: 'error_rate < 5%',
          kind: 'advance',
          verdict: 'inconclusive',
          value: 0.02,
          interval: [0.005, 0.07],
          reason: 'error_rate 2.0% (0.5%–7.0%) needs < 5%',
        },
      ],
    });
    // the stage as the runtime recorded it, not inferred from the percent
    expect(body.stages).toEqual([
      { at: '2025-06-17T11:59:55.000Z', event: 'entered', stage: 'canary', percent: 2, why: 'started' },
    ]);
  });

  it('GET /api/rollouts/:name has lastCheck null before the first check', async () => {
    const { app } = setup();
    const res = await app.inject({ method: 'GET', url: '/api/rollouts/beta' });
    expect(res.statusCode).toBe(200);
    expect(res.json().lastCheck).toBeNull();
  });

  it.each([
    ['/api/rollouts/nope', 'no rollout named "nope"'],
    ['/api/rollouts/..%2F..%2Fetc', 'no rollout named "../../etc"'],
    ['/api/rollouts/Upper', 'no rollout named "Upper"'],
    ['/api/rollouts/nope/history', 'no rollout named "nope"'],
  ])('GET %s is 404', async (url, message) => {
    const { app } = setup();
    const res = await app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'E_NOT_FOUND', message } });
  });

  it('GET /api/rollouts/:name/history returns every entry in order', async () => {
    const { app, store } = setup();
    const res = await app.inject({ method: 'GET', url: '/api/rollouts/alpha/history' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ name: 'alpha', entries: store.entries.get('alpha'), next: null });
  });

  it('GET /api/rollouts/:name/history?limit=1 returns the newest entry', async () => {
    const { app } = setup();
    const res = await app.inject({ method: 'GET', url: '/api/rollouts/alpha/history?limit=1' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.next).toBe(1);
    expect(body.entries.map((e: { type: string }) => e.type)).toEqual(['check']);
    const older = await app.inject({ method: 'GET', url: '/api/rollouts/alpha/history?limit=1&before=1' });
    expect(older.json().entries.map((e: { type: string }) => e.type)).toEqual(['stage']);
    expect(older.json().next).toBe(2);
    const oldest = await app.inject({ method: 'GET', url: '/api/rollouts/alpha/history?limit=1&before=2' });
    expect(oldest.json().entries.map((e: { type: string }) => e.type)).toEqual(['spec']);
    expect(oldest.json().next).toBeNull();
  });

  it.each([
    ['limit=0', ['limit: Too small: expected number to be >=1']],
    ['limit=abc', ['limit: Invalid input: expected number, received NaN']],
    ['limt=5', ['Unrecognized key: "limt"']],
  ])('GET history?%s is 400', async (qs, issues) => {
    const { app } = setup();
    const res = await app.inject({ method: 'GET', url: `/api/rollouts/alpha/history?${qs}` });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'E_BAD_REQUEST', message: 'invalid query string', issues } });
  });

  it('GET /api/rollouts is 503 when the store is down', async () => {
    const { app, store } = setup();
    store.down = true;
    const res = await app.inject({ method: 'GET', url: '/api/rollouts' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      error: { code: 'E_STORE_IO', message: 'state dir .stagegate is not readable' },
    });
  });
});
