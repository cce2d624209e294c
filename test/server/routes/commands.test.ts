import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { T0, TOKEN, record, serverSetup } from '../helpers.js';

const setup = serverSetup();

const auth = { authorization: `Bearer ${TOKEN}` };

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
        const { StagegateError } = await import('../../../src/errors.js');
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
    const { app, store } = setup({ logger: pino({ level: 'debug' }, sink) }, false);
    store.records.set('alpha', record('alpha'));
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
