import { Writable } from 'node:stream';
import nock from 'nock';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REDACT_PATHS, silentLogger, type Logger } from '../../../src/log.js';
import { FlipperToggleProvider, type FlipperToggleOptions } from '../../../src/providers/toggles/flipper.js';
import { toggleState } from '../../../src/providers/toggles/toggle-state.js';
import { failure } from '../../stagegate-error.js';

/*
 * The Flipper provider against flipper-api payloads (flippercloud/flipper,
 * lib/flipper/api/v1): every request's method, path, headers and body.
 */

const HOST = 'http://flipper.test';
const BASE = `${HOST}/flipper/api`;
const TOKEN = 'tok-5f3e9a0c-never-log-me';
const MORE_INFO = 'https://flippercloud.io/docs/api#error-code-reference';

interface Seen {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** What nock binds `this` to in a reply function. */
interface Intercepted {
  req: { method: string; path: string; headers: Record<string, string> };
}

/** Records every intercepted request, so tests assert on all of them, not on a matcher's say-so. */
let seen: Seen[] = [];
function record(this: Intercepted, _uri: string, body: unknown) {
  seen.push({
    method: this.req.method,
    path: this.req.path,
    headers: { ...this.req.headers },
    body: typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body),
  });
}

function feature(
  key: string,
  values: Partial<Record<string, string | string[] | null | Record<string, unknown>>>,
  state = 'conditional',
) {
  return {
    key,
    state,
    gates: [
      { key: 'boolean', name: 'boolean', value: values['boolean'] ?? null },
      { key: 'expression', name: 'expression', value: values['expression'] ?? null },
      { key: 'actors', name: 'actor', value: values['actors'] ?? [] },
      {
        key: 'percentage_of_actors',
        name: 'percentage_of_actors',
        value: values['percentage_of_actors'] ?? null,
      },
      { key: 'percentage_of_time', name: 'percentage_of_time', value: values['percentage_of_time'] ?? null },
      { key: 'groups', name: 'group', value: values['groups'] ?? [] },
    ],
  };
}

function reply(status: number, body: unknown) {
  return function (
    this: Intercepted,
    uri: string,
    requestBody: unknown,
  ): [number, string, Record<string, string>] {
    record.call(this, uri, requestBody);
    return [
      status,
      typeof body === 'string' ? body : JSON.stringify(body),
      { 'content-type': 'application/json' },
    ];
  };
}

function provider(overrides: Partial<FlipperToggleOptions> = {}): FlipperToggleProvider {
  return new FlipperToggleProvider({
    name: 'flipper',
    baseUrl: BASE,
    token: TOKEN,
    timeoutMs: 1_000,
    retry: { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 1, factor: 1, randomize: false },
    logger: silentLogger(),
    ...overrides,
  });
}

const READ_HEADERS = {
  accept: 'application/json',
  authorization: `Bearer ${TOKEN}`,
  'user-agent': 'stagegate',
};
const WRITE_HEADERS = { ...READ_HEADERS, 'content-type': 'application/json' };

beforeAll(() => {
  nock.disableNetConnect();
});
afterAll(() => {
  nock.enableNetConnect();
});
afterEach(() => {
  const pending = nock.pendingMocks();
  nock.cleanAll();
  seen = [];
  expect(pending).toEqual([]);
});

describe('Flipper read', () => {
  it('GETs the feature and turns the gates array (string values) into a ToggleState', async () => {
    nock(HOST)
      .get('/flipper/api/features/ebg_emails')
      .reply(
        reply(
          200,
          feature('ebg_emails', {
            percentage_of_actors: '25',
            percentage_of_time: '2.5',
            actors: ['User;2', 'User;1'],
            groups: ['staff'],
          }),
        ),
      );
    expect(await provider().read('ebg_emails')).toEqual({
      feature: 'ebg_emails',
      exists: true,
      enabled: false,
      percentageOfActors: 25,
      percentageOfTime: 2.5,
      expression: null,
      actors: ['User;1', 'User;2'],
      groups: ['staff'],
      exposure: {
        gates: ['actors', 'percentage_of_actors', 'percentage_of_time', 'groups'],
        actorPercent: 26.875,
        anonymousPercent: 2.5,
      },
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'GET', path: '/flipper/api/features/ebg_emails', body: '' });
    expect(seen[0]?.headers).toMatchObject(READ_HEADERS);
    expect(seen[0]?.headers['content-type']).toBeUndefined();
  });

  it('reads the boolean gate "true" as enabled', async () => {
    nock(HOST)
      .get('/flipper/api/features/ebg')
      .reply(reply(200, feature('ebg', { boolean: 'true' }, 'on')));
    expect(await provider().read('ebg')).toMatchObject({
      exists: true,
      enabled: true,
      percentageOfActors: 0,
    });
  });

  it('reads 404 {"code":1} as a feature that does not exist, and creates nothing', async () => {
    nock(HOST)
      .get('/flipper/api/features/missing')
      .reply(reply(404, { code: 1, message: 'Feature not found.', more_info: MORE_INFO }));
    expect(await provider().read('missing')).toEqual({
      feature: 'missing',
      exists: false,
      enabled: false,
      percentageOfActors: 0,
      percentageOfTime: 0,
      expression: null,
      actors: [],
      groups: [],
      exposure: { gates: [], actorPercent: 0, anonymousPercent: 0 },
    });
    expect(seen.map((s) => s.method)).toEqual(['GET']);
  });

  it('reports a bare 404 (wrong baseUrl) as E_PROVIDER_RESPONSE, not as a missing feature', async () => {
    nock(HOST).get('/flipper/api/features/ebg').reply(reply(404, '<html>Not Found</html>'));
    const err = await failure(provider().read('ebg'));
    expect(err.code).toBe('E_PROVIDER_RESPONSE');
    expect(err.message).toContain('baseUrl');
  });

  it('escapes the feature name in the path', async () => {
    nock(HOST)
      .get('/flipper/api/features/a%20b%2Fc')
      .reply(reply(200, feature('a b/c', {})));
    expect((await provider().read('a b/c')).exists).toBe(true);
  });

  it('accepts a baseUrl with a trailing slash', async () => {
    nock(HOST)
      .get('/flipper/api/features/ebg')
      .reply(reply(200, feature('ebg', {})));
    expect((await provider({ baseUrl: `${BASE}/` }).read('ebg')).exists).toBe(true);
  });

  it.each([
    ['a document without gates', { key: 'ebg', state: 'off' }],
    ['a non-numeric percentage', feature('ebg', { percentage_of_actors: 'lots' })],
    ['actors that are not a list', feature('ebg', { actors: 'User;1' })],
    ['not JSON', '<html>login</html>'],
  ])('reports %s as E_PROVIDER_RESPONSE', async (_label, body) => {
    nock(HOST).get('/flipper/api/features/ebg').reply(reply(200, body));
    expect((await failure(provider().read('ebg'))).code).toBe('E_PROVIDER_RESPONSE');
  });
});

describe('Flipper setPercent', () => {
  it.each([
    [25, 'percentage_of_actors', '25'],
    [2, 'percentage_of_actors', '2'],
    [2.5, 'percentage_of_actors', '2.5'],
    [0.125, 'percentage_of_actors', '0.125'],
    [0.1 + 0.2, 'percentage_of_time', '0.3'],
    [33.333, 'percentage_of_time', '33.333'],
    [100, 'percentage_of_actors', '100'],
  ] as const)(
    'POSTs %s to %s as {"percentage":"%s"} with Content-Type exactly application/json',
    async (percent, gate, text) => {
      nock(HOST)
        .post(`/flipper/api/features/ebg/${gate}`)
        .reply(reply(200, feature('ebg', { [gate]: text })));
      const state = await provider().setPercent('ebg', percent, gate);
      expect(seen).toEqual([
        {
          method: 'POST',
          path: `/flipper/api/features/ebg/${gate}`,
          headers: expect.objectContaining(WRITE_HEADERS) as Record<string, string>,
          body: `{"percentage":"${text}"}`,
        },
      ]);
      expect(seen[0]?.headers['content-type']).toBe('application/json');
      // The state comes from Flipper's answer, not from what was asked.
      expect(gate === 'percentage_of_actors' ? state.percentageOfActors : state.percentageOfTime).toBe(
        Number(text),
      );
    },
  );

  it('turns 422 {"code":3} into E_TOGGLE_REJECTED with Flipper\'s fields, without a retry', async () => {
    nock(HOST)
      .post('/flipper/api/features/ebg/percentage_of_actors')
      .reply(
        reply(422, {
          code: 3,
          message: 'Percentage must be a positive number less than or equal to 100.',
          more_info: MORE_INFO,
        }),
      );
    const err = await failure(provider().setPercent('ebg', 25, 'percentage_of_actors'));
    expect(err.code).toBe('E_TOGGLE_REJECTED');
    expect(err.details).toEqual({
      feature: 'ebg',
      method: 'POST',
      url: `${BASE}/features/ebg/percentage_of_actors`,
      status: 422,
      code: 3,
      message: 'Percentage must be a positive number less than or equal to 100.',
      moreInfo: MORE_INFO,
    });
    expect(err.message).toContain('Percentage must be a positive number');
    expect(seen).toHaveLength(1);
  });

  it('never sends a percent Flipper cannot store', async () => {
    const err = await failure(provider().setPercent('ebg', 12.3456, 'percentage_of_actors'));
    expect(err.code).toBe('E_TOGGLE_REJECTED');
    expect(seen).toEqual([]);
  });
});

describe('Flipper rollback and enable', () => {
  it('zero: POSTs {"percentage":"0"} to both percentage gates, as Flipper\'s own client does', async () => {
    nock(HOST)
      .post('/flipper/api/features/ebg/percentage_of_actors')
      .reply(
        reply(
          200,
          feature('ebg', { percentage_of_actors: '0', percentage_of_time: '5', actors: ['User;1'] }),
        ),
      )
      .post('/flipper/api/features/ebg/percentage_of_time')
      .reply(
        reply(
          200,
          feature('ebg', { percentage_of_actors: '0', percentage_of_time: '0', actors: ['User;1'] }),
        ),
      );
    expect(await provider().disable('ebg', 'zero')).toEqual(
      toggleState({
        feature: 'ebg',
        exists: true,
        enabled: false,
        percentageOfActors: 0,
        percentageOfTime: 0,
        expression: null,
        actors: ['User;1'],
        groups: [],
      }),
    );
    expect(seen.map(({ method, path, body }) => ({ method, path, body }))).toEqual([
      { method: 'POST', path: '/flipper/api/features/ebg/percentage_of_actors', body: '{"percentage":"0"}' },
      { method: 'POST', path: '/flipper/api/features/ebg/percentage_of_time', body: '{"percentage":"0"}' },
    ]);
    for (const s of seen) expect(s.headers).toMatchObject(WRITE_HEADERS);
  });

  it('zero with percentageOff: delete DELETEs both percentage gates, without a body', async () => {
    nock(HOST)
      .delete('/flipper/api/features/ebg/percentage_of_actors')
      .reply(reply(200, feature('ebg', { percentage_of_actors: '0', percentage_of_time: '5' })))
      .delete('/flipper/api/features/ebg/percentage_of_time')
      .reply(reply(200, feature('ebg', { percentage_of_actors: '0', percentage_of_time: '0' })));
    expect(await provider({ percentageOff: 'delete' }).disable('ebg', 'zero')).toMatchObject({
      percentageOfActors: 0,
      percentageOfTime: 0,
    });
    expect(seen.map(({ method, path, body }) => ({ method, path, body }))).toEqual([
      { method: 'DELETE', path: '/flipper/api/features/ebg/percentage_of_actors', body: '' },
      { method: 'DELETE', path: '/flipper/api/features/ebg/percentage_of_time', body: '' },
    ]);
    for (const s of seen) {
      expect(s.headers).toMatchObject(READ_HEADERS);
      expect(s.headers['content-type']).toBeUndefined();
    }
  });

  it('zero keeps and reports the expression gate: it still exposes users', async () => {
    const expression = { Equal: [{ Property: ['plan'] }, 'basic'] };
    nock(HOST)
      .post('/flipper/api/features/ebg/percentage_of_actors')
      .reply(reply(200, feature('ebg', { percentage_of_actors: '0', expression })))
      .post('/flipper/api/features/ebg/percentage_of_time')
      .reply(reply(200, feature('ebg', { percentage_of_actors: '0', percentage_of_time: '0', expression })));
    const state = await provider().disable('ebg', 'zero');
    expect(state.expression).toBe('{"Equal":[{"Property":["plan"]},"basic"]}');
    expect(state.exposure.gates).toEqual(['expression']);
  });

  it('disable: DELETEs the boolean gate', async () => {
    nock(HOST)
      .delete('/flipper/api/features/ebg/boolean')
      .reply(reply(200, feature('ebg', {}, 'off')));
    expect(await provider().disable('ebg', 'disable')).toMatchObject({
      enabled: false,
      percentageOfActors: 0,
      actors: [],
    });
    expect(seen.map(({ method, path, body }) => ({ method, path, body }))).toEqual([
      { method: 'DELETE', path: '/flipper/api/features/ebg/boolean', body: '' },
    ]);
  });

  it('enable: POSTs the boolean gate with {} as JSON', async () => {
    nock(HOST)
      .post('/flipper/api/features/ebg/boolean')
      .reply(reply(200, feature('ebg', { boolean: 'true' }, 'on')));
    expect(await provider().enable('ebg')).toMatchObject({ enabled: true });
    expect(seen).toEqual([
      {
        method: 'POST',
        path: '/flipper/api/features/ebg/boolean',
        headers: expect.objectContaining(WRITE_HEADERS) as Record<string, string>,
        body: '{}',
      },
    ]);
  });
});

describe('Flipper authentication', () => {
  it('sends the raw token in tokenHeader (Flipper Cloud) and no Authorization header', async () => {
    nock(HOST)
      .get('/flipper/api/features/ebg')
      .reply(reply(200, feature('ebg', {})));
    await provider({ tokenHeader: 'flipper-cloud-token' }).read('ebg');
    expect(seen[0]?.headers['flipper-cloud-token']).toBe(TOKEN);
    expect(seen[0]?.headers['authorization']).toBeUndefined();
  });

  it('sends no credentials when no token is configured', async () => {
    nock(HOST)
      .get('/flipper/api/features/ebg')
      .reply(reply(200, feature('ebg', {})));
    await provider({ token: undefined }).read('ebg');
    expect(seen[0]?.headers['authorization']).toBeUndefined();
  });

  it.each([401, 403])('turns %s into E_PROVIDER_AUTH without a retry', async (status) => {
    nock(HOST)
      .post('/flipper/api/features/ebg/boolean')
      .reply(reply(status, { message: 'Unauthorized' }));
    const err = await failure(provider().enable('ebg'));
    expect(err.code).toBe('E_PROVIDER_AUTH');
    expect(err.details['status']).toBe(status);
    expect(seen).toHaveLength(1);
  });

  it('turns 429 into E_PROVIDER_RATE_LIMITED without a retry', async () => {
    nock(HOST)
      .get('/flipper/api/features/ebg')
      .reply(reply(429, { message: 'slow down' }));
    expect((await failure(provider().read('ebg'))).code).toBe('E_PROVIDER_RATE_LIMITED');
    expect(seen).toHaveLength(1);
  });

  it('does not follow a redirect (a login page in front of the API)', async () => {
    nock(HOST)
      .get('/flipper/api/features/ebg')
      .reply(function (this: Intercepted, uri, body) {
        record.call(this, uri, body);
        return [302, '', { location: `${HOST}/login` }];
      });
    const err = await failure(provider().read('ebg'));
    expect(err.code).toBe('E_PROVIDER_RESPONSE');
    expect(err.details['status']).toBe(302);
    expect(seen).toHaveLength(1);
  });
});

describe('Flipper retries and timeouts', () => {
  it('retries 5xx and succeeds with the same request each time', async () => {
    nock(HOST)
      .post('/flipper/api/features/ebg/percentage_of_actors')
      .reply(reply(502, 'bad gateway'))
      .post('/flipper/api/features/ebg/percentage_of_actors')
      .reply(reply(503, { message: 'busy' }))
      .post('/flipper/api/features/ebg/percentage_of_actors')
      .reply(reply(200, feature('ebg', { percentage_of_actors: '50' })));
    expect((await provider().setPercent('ebg', 50, 'percentage_of_actors')).percentageOfActors).toBe(50);
    expect(seen.map((s) => s.body)).toEqual([
      '{"percentage":"50"}',
      '{"percentage":"50"}',
      '{"percentage":"50"}',
    ]);
  });

  it('gives up after maxRetries with E_PROVIDER_UNREACHABLE and the last status', async () => {
    nock(HOST)
      .get('/flipper/api/features/ebg')
      .times(3)
      .reply(reply(500, { message: 'boom' }));
    const err = await failure(provider().read('ebg'));
    expect(err.code).toBe('E_PROVIDER_UNREACHABLE');
    expect(err.details).toMatchObject({ reason: 'server-error', status: 500, attempts: 3, message: 'boom' });
    expect(seen).toHaveLength(3);
  });

  it('retries a network error', async () => {
    nock(HOST)
      .get('/flipper/api/features/ebg')
      .replyWithError({ code: 'ECONNRESET', message: 'socket hang up' })
      .get('/flipper/api/features/ebg')
      .reply(reply(200, feature('ebg', { percentage_of_actors: '5' })));
    expect((await provider().read('ebg')).percentageOfActors).toBe(5);
  });

  it('does not retry 4xx', async () => {
    nock(HOST)
      .delete('/flipper/api/features/ebg/boolean')
      .reply(reply(400, { message: 'bad' }));
    const extra = nock(HOST).delete('/flipper/api/features/ebg/boolean').reply(200, feature('ebg', {}));
    expect((await failure(provider().disable('ebg', 'disable'))).code).toBe('E_TOGGLE_REJECTED');
    expect(extra.isDone()).toBe(false);
    nock.cleanAll();
  });

  it('times out a slow answer and reports E_PROVIDER_UNREACHABLE with reason timeout', async () => {
    nock(HOST)
      .get('/flipper/api/features/ebg')
      .delay(300)
      .reply(reply(200, feature('ebg', {})));
    const started = Date.now();
    const err = await failure(
      provider({
        timeoutMs: 50,
        retry: { retries: 0, minTimeoutMs: 1, maxTimeoutMs: 1, factor: 1, randomize: false },
      }).read('ebg'),
    );
    expect(err.code).toBe('E_PROVIDER_UNREACHABLE');
    expect(err.details).toMatchObject({ reason: 'timeout', attempts: 1 });
    expect(Date.now() - started).toBeLessThan(280);
  });

  it('retries after a timeout', async () => {
    nock(HOST)
      .get('/flipper/api/features/ebg')
      .delay(300)
      .reply(reply(200, feature('ebg', {})))
      .get('/flipper/api/features/ebg')
      .reply(reply(200, feature('ebg', { percentage_of_actors: '7' })));
    expect((await provider({ timeoutMs: 50 }).read('ebg')).percentageOfActors).toBe(7);
  });

  it('stops at once, without retrying, when the caller aborts', async () => {
    nock(HOST)
      .get('/flipper/api/features/ebg')
      .delay(300)
      .reply(reply(200, feature('ebg', {})));
    const controller = new AbortController();
    const pending = provider().read('ebg', controller.signal);
    setTimeout(() => controller.abort(new Error('shutting down')), 20);
    await expect(pending).rejects.toThrow('shutting down');
    expect(seen.length).toBeLessThanOrEqual(1);
    nock.cleanAll();
  });
});

describe('Flipper logging', () => {
  function capture(): { logger: Logger; lines: () => Record<string, unknown>[]; text: () => string } {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString());
        done();
      },
    });
    const logger = pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, stream);
    return {
      logger,
      lines: () =>
        chunks
          .join('')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>),
      text: () => chunks.join(''),
    };
  }

  it('logs every call with feature, action, value, status and duration', async () => {
    nock(HOST)
      .post('/flipper/api/features/ebg/percentage_of_actors')
      .reply(reply(200, feature('ebg', { percentage_of_actors: '25' })))
      .get('/flipper/api/features/ebg')
      .reply(reply(200, feature('ebg', { percentage_of_actors: '25' })));
    const log = capture();
    const p = provider({ logger: log.logger });
    await p.setPercent('ebg', 25, 'percentage_of_actors');
    await p.read('ebg');
    const lines = log.lines();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'toggle call',
      provider: 'flipper',
      feature: 'ebg',
      action: 'set',
      value: 25,
      gate: 'percentage_of_actors',
      status: 200,
      attempts: 1,
    });
    expect(typeof lines[0]?.['durationMs']).toBe('number');
    expect(lines[1]).toMatchObject({
      level: 20,
      msg: 'toggle call',
      action: 'read',
      value: null,
      status: 200,
    });
  });

  it('never puts the token in a log line or an error, even when the request fails', async () => {
    nock(HOST)
      .get('/flipper/api/features/ebg')
      .reply(reply(401, { message: 'bad token' }))
      .post('/flipper/api/features/ebg/boolean')
      .times(3)
      .reply(reply(503, 'unavailable'))
      .delete('/flipper/api/features/ebg/boolean')
      .replyWithError('connection reset');
    const log = capture();
    const p = provider({ logger: log.logger, tokenHeader: 'x-flipper-token' });
    const errors = [await failure(p.read('ebg')), await failure(p.enable('ebg'))];
    // replyWithError once, then the retries find no interceptor: both are network errors.
    errors.push(await failure(p.disable('ebg', 'disable')));
    expect(log.lines().map((l) => l['msg'])).toEqual(
      expect.arrayContaining(['toggle call failed', 'toggle request retrying']),
    );
    expect(log.text()).not.toContain(TOKEN);
    for (const err of errors) {
      expect(err.message).not.toContain(TOKEN);
      expect(JSON.stringify(err.details)).not.toContain(TOKEN);
      expect(JSON.stringify(err, Object.getOwnPropertyNames(err))).not.toContain(TOKEN);
    }
    expect(seen.every((s) => s.headers['x-flipper-token'] === TOKEN)).toBe(true);
  });
});
