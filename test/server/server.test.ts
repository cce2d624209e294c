import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server/server.js';
import type { ServerDeps } from '../../src/server/deps.js';
import { FakeStore, T0, TOKEN, deps, fakeApply, record, type CommandCall } from './helpers.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function setup(over: Partial<ServerDeps> = {}, fill = true) {
  const store = new FakeStore();
  const calls: CommandCall[] = [];
  if (fill) {
    store.records.set(
      'beta',
      record('beta', { state: 'awaiting_approval', stage: 'stage-e', stageIndex: 4, percent: 75 }),
    );
    store.records.set('alpha', record('alpha'));
    store.entries.set('alpha', [
      { type: 'spec', at: T0 - 10_000, specHash: 'abc', source: 'rollouts/alpha.yaml' },
      { type: 'stage', at: T0 - 5_000, event: 'entered', stage: 'canary', percent: 2, why: 'started' },
      {
        type: 'check',
        at: T0,
        stage: 'canary',
        percent: 2,
        detail: {
          measurements: {
            error_rate: { kind: 'ratio', value: 0.02, numerator: 2, denominator: 100 },
            sent: { kind: 'no-data', reason: 'empty series' },
          },
          results: [
            {
              criterion: { text: 'error_rate < 5%', metric: 'error_rate', percent: true },
              kind: 'advance',
              verdict: 'inconclusive',
              value: 0.02,
              interval: [0.005, 0.07],
              reason: 'error_rate 2.0% (0.5%–7.0%) needs < 5%',
            },
          ],
          decision: { action: 'hold', reasons: ['error_rate inconclusive'] },
          state: 'running',
          toggle: 2,
          exposure: '2% of actors',
          durationMs: 12,
          errors: null,
          postLaunch: null,
        },
      },
    ]);
  }
  const d = deps(store, calls, over);
  app = buildServer(d);
  return { app, store, calls, deps: d };
}

const auth = { authorization: `Bearer ${TOKEN}` };

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
    const store = new FakeStore();
    store.list = () => new Promise(() => undefined);
    app = buildServer({ ...deps(store, []), storeTimeoutMs: 20 });
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

  it('unknown routes are 404 JSON', async () => {
    const { app } = setup();
    const res = await app.inject({ method: 'GET', url: '/api/nothing?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'E_NOT_FOUND', message: 'no route GET /api/nothing' } });
  });
});

describe('commands: auth', () => {
  it('with no token configured every mutation is 403 saying how to enable it', async () => {
    const { app, calls } = setup({ auth: { token: undefined, tokenEnv: 'STAGEGATE_API_TOKEN' } });
    for (const command of ['pause', 'resume', 'approve', 'abort', 'promote', 'retry']) {
      const res = await app.inject({ method: 'POST', url: `/api/rollouts/alpha/${command}`, headers: auth });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({
        error: {
          code: 'E_API_READ_ONLY',
          message:
            'the API is read-only: to enable commands, set the environment variable STAGEGATE_API_TOKEN to a secret token and restart stagegate',
        },
      });
    }
    expect(calls).toEqual([]);
  });

  it('with no tokenEnv in the config the 403 names server.tokenEnv', async () => {
    const { app } = setup({ auth: { token: undefined, tokenEnv: undefined } });
    const res = await app.inject({ method: 'POST', url: '/api/rollouts/alpha/pause' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toContain('set server.tokenEnv in the config');
  });

  it.each([
    ['missing header', undefined, 'missing "Authorization: Bearer <token>" header'],
    ['wrong scheme', `Basic ${TOKEN}`, 'missing "Authorization: Bearer <token>" header'],
    ['empty bearer', 'Bearer ', 'missing "Authorization: Bearer <token>" header'],
    ['wrong token', 'Bearer not-the-token', 'invalid token'],
    ['token prefix', `Bearer ${TOKEN.slice(0, -1)}`, 'invalid token'],
    ['token plus suffix', `Bearer ${TOKEN}x`, 'invalid token'],
  ])('%s → 401', async (_label, header, message) => {
    const { app, calls } = setup();
    const headers = header === undefined ? {} : { authorization: header };
    const res = await app.inject({ method: 'POST', url: '/api/rollouts/alpha/pause', headers });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: { code: 'E_UNAUTHORIZED', message } });
    expect(calls).toEqual([]);
  });

  it('the right token runs the command with who and why', async () => {
    const { app, calls } = setup();
    const res = await app.inject({
      method: 'POST',
      url: '/api/rollouts/alpha/pause',
      headers: auth,
      payload: { reason: 'investigating 5xx', by: 'ian' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      accepted: true,
      message: 'pause accepted',
      summary: { state: 'paused', stage: 'canary', stageIndex: 0, percent: 2, reason: null, lastCheck: T0 },
    });
    expect(calls).toEqual([
      { name: 'alpha', command: 'pause', by: 'ian', reason: 'investigating 5xx', now: T0 + 1000 },
    ]);
  });

  it('the scheme is case-insensitive and a body is optional (by defaults to "api")', async () => {
    const { app, calls } = setup();
    const res = await app.inject({
      method: 'POST',
      url: '/api/rollouts/alpha/resume',
      headers: { authorization: `bearer ${TOKEN}` },
    });
    expect(res.statusCode).toBe(200);
    expect(calls).toEqual([{ name: 'alpha', command: 'resume', by: 'api', reason: null, now: T0 + 1000 }]);
  });
});

describe('commands: errors', () => {
  it('unknown rollout → 404', async () => {
    const { app } = setup();
    const res = await app.inject({
      method: 'POST',
      url: '/api/rollouts/ghost/pause',
      headers: auth,
      payload: {},
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'E_NOT_FOUND', message: 'no rollout named "ghost"' } });
  });

  it('a command the state refuses → 409 with the refusal message', async () => {
    const { app } = setup();
    const res = await app.inject({
      method: 'POST',
      url: '/api/rollouts/alpha/approve',
      headers: auth,
      payload: {},
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({
      error: {
        code: 'E_COMMAND_REFUSED',
        message: 'cannot approve alpha: it is running, not awaiting approval',
      },
    });
  });

  it('a store conflict → 409', async () => {
    const { app } = setup({
      applyCommand: async () => {
        const { StagegateError } = await import('../../src/errors.js');
        throw new StagegateError('E_STORE_CONFLICT', 'alpha changed while the command ran; try again');
      },
    });
    const res = await app.inject({
      method: 'POST',
      url: '/api/rollouts/alpha/abort',
      headers: auth,
      payload: {},
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('E_STORE_CONFLICT');
  });

  it('an unexpected failure → 500 without its message', async () => {
    const { app } = setup({
      applyCommand: async () => {
        throw new Error('ECONNRESET at 10.0.0.3 with key=abc');
      },
    });
    const res = await app.inject({
      method: 'POST',
      url: '/api/rollouts/alpha/abort',
      headers: auth,
      payload: {},
    });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      error: { code: 'E_INTERNAL', message: 'internal error; see the controller log' },
    });
  });

  it('a body over the limit → 413', async () => {
    const { app, calls } = setup();
    const res = await app.inject({
      method: 'POST',
      url: '/api/rollouts/alpha/pause',
      headers: auth,
      payload: { reason: 'x'.repeat(5000) },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('FST_ERR_CTP_BODY_TOO_LARGE');
    expect(calls).toEqual([]);
  });

  it.each([
    [{ reason: 'ok', as: 'me' }, ['Unrecognized key: "as"']],
    [{ by: '' }, ['by: must not be empty']],
    [{ reason: 42 }, ['reason: Invalid input: expected string, received number']],
    [
      { by: 'a\nb' },
      ['by: must be one line of printable text, found a control character (U+000A at character 2)'],
    ],
    [
      { by: 'ian\u001b[2J' },
      ['by: must be one line of printable text, found a control character (U+001B at character 4)'],
    ],
    [
      { by: 'eve\u202egnp' },
      ['by: must be one line of printable text, found a control character (U+202E at character 4)'],
    ],
    [{ reason: 'x\u0000y' }, ['reason: must not contain control characters (U+0000 at character 2)']],
    [[1, 2], ['Invalid input: expected object, received array']],
  ])('body %j → 400 with the zod issues', async (payload, issues) => {
    const { app, calls } = setup();
    const res = await app.inject({
      method: 'POST',
      url: '/api/rollouts/alpha/pause',
      headers: auth,
      payload,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'E_BAD_REQUEST', message: 'invalid request body', issues } });
    expect(calls).toEqual([]);
  });

  it('malformed JSON → 400', async () => {
    const { app } = setup();
    const res = await app.inject({
      method: 'POST',
      url: '/api/rollouts/alpha/pause',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"reason":',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: { code: 'E_USAGE', message: 'the request body is not valid JSON' } });
  });

  it('an empty JSON body counts as no body', async () => {
    const { app, calls } = setup();
    const res = await app.inject({
      method: 'POST',
      url: '/api/rollouts/alpha/retry',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '',
    });
    expect(res.statusCode).toBe(200);
    expect(calls.map((c) => [c.command, c.by])).toEqual([['retry', 'api']]);
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded'])('a %s body → 415', async (type) => {
    const { app, calls } = setup();
    const res = await app.inject({
      method: 'POST',
      url: '/api/rollouts/alpha/pause',
      headers: { ...auth, 'content-type': type },
      payload: 'reason=x',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('FST_ERR_CTP_INVALID_MEDIA_TYPE');
    expect(calls).toEqual([]);
  });

  it('an unknown command is an unknown route → 404', async () => {
    const { app } = setup();
    const res = await app.inject({ method: 'POST', url: '/api/rollouts/alpha/explode', headers: auth });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('E_NOT_FOUND');
  });
});

describe('logging', () => {
  it('never writes the token, and logs one line per command', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const store = new FakeStore();
    store.records.set('alpha', record('alpha'));
    const calls: CommandCall[] = [];
    app = buildServer({
      ...deps(store, calls),
      logger: pino({ level: 'debug' }, sink),
      applyCommand: fakeApply(store, calls),
    });
    await app.inject({
      method: 'POST',
      url: '/api/rollouts/alpha/pause',
      headers: auth,
      payload: { by: 'ian' },
    });
    await app.inject({
      method: 'POST',
      url: '/api/rollouts/alpha/pause',
      headers: { authorization: `Bearer ${TOKEN}zz` },
    });
    await app.inject({ method: 'GET', url: '/api/rollouts/alpha' });
    const all = lines.join('');
    expect(all).not.toContain(TOKEN);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.filter((l) => l.msg === 'api command')).toMatchObject([
      { rollout: 'alpha', command: 'pause', by: 'ian', accepted: true },
    ]);
    expect(parsed.filter((l) => l.msg === 'http request').map((l) => [l.method, l.route, l.status])).toEqual([
      ['POST', '/api/rollouts/:name/pause', 200],
      ['POST', '/api/rollouts/:name/pause', 401],
      ['GET', '/api/rollouts/:name', 200],
    ]);
  });
});
