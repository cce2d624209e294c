import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY_DELAYS,
  errorBodyFields,
  errorForStatus,
  httpOptionsFor,
  scrub,
  sendWithRetry,
  type HttpOptions,
  type HttpRequest,
} from '../../src/http/http-client.js';
import { createLogger, silentLogger } from '../../src/log.js';
import { useLocalServer } from './local-server.js';
import { failure } from '../stagegate-error.js';

/*
 * The retrying path of the toggle providers, against a local server: 5xx,
 * timeouts and network errors are retried, 4xx and oversized answers are not,
 * and what finally fails is a typed error scrubbed of the caller's secrets.
 */

const srv = useLocalServer();

const FAST = { ...DEFAULT_RETRY_DELAYS, minTimeoutMs: 1, maxTimeoutMs: 2, randomize: false };

function options(over: Partial<HttpOptions> = {}): HttpOptions {
  return {
    timeoutMs: 2_000,
    retry: { ...FAST, retries: 2 },
    logger: silentLogger(),
    logFields: { provider: 'flipper', feature: 'f', action: 'set' },
    secrets: [],
    ...over,
  };
}

/** An answer per attempt, in order; the last repeats. */
function sequence(path: string, answers: readonly [number, string][]): void {
  let n = 0;
  srv.routes.set(path, (_req, res) => {
    const [status, body] = answers[Math.min(n, answers.length - 1)] ?? [500, ''];
    n += 1;
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
}

describe('sendWithRetry', () => {
  it('does not retry an answer over the cap', async () => {
    srv.hits.length = 0;
    const notes = { status: null, attempts: 0 };
    await expect(
      sendWithRetry(
        srv.get('/huge'),
        {
          timeoutMs: 5_000,
          retry: { ...DEFAULT_RETRY_DELAYS, retries: 3, minTimeoutMs: 1, maxTimeoutMs: 2 },
          logger: silentLogger(),
          logFields: {},
          secrets: [],
          maxResponseBytes: 1024,
        },
        notes,
      ),
    ).rejects.toMatchObject({ code: 'E_PROVIDER_TOO_LARGE' });
    expect(notes.attempts).toBe(1);
    expect(srv.hits).toEqual(['/huge']);
  });

  it('retries a 5xx and returns the answer that follows', async () => {
    sequence('/flaky', [
      [503, ''],
      [200, '{"ok":true}'],
    ]);
    const notes = { status: null, attempts: 0 };
    const res = await sendWithRetry(srv.get('/flaky'), options(), notes);
    expect(res).toMatchObject({ status: 200, body: '{"ok":true}' });
    expect(notes).toEqual({ status: 200, attempts: 2 });
  });

  it('returns a 4xx at once for the provider to interpret', async () => {
    sequence('/rejected', [[422, '{"message":"bad percentage"}']]);
    const notes = { status: null, attempts: 0 };
    const res = await sendWithRetry(srv.get('/rejected'), options(), notes);
    expect(res.status).toBe(422);
    expect(notes.attempts).toBe(1);
  });

  it('gives up after its retries with E_PROVIDER_UNREACHABLE, logging each retry', async () => {
    sequence('/down', [[502, '{"code":7,"message":"upstream sk-secret-123 down","more_info":"x"}']]);
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const notes = { status: null, attempts: 0 };
    const err = await failure(
      sendWithRetry(
        srv.get('/down'),
        options({ logger: createLogger({ destination }), secrets: ['sk-secret-123'] }),
        notes,
      ),
    );
    expect(err.code).toBe('E_PROVIDER_UNREACHABLE');
    expect(err.message).toBe(`GET ${srv.base}/down answered 502 after 3 attempt(s)`);
    expect(err.details).toEqual({
      method: 'GET',
      url: `${srv.base}/down`,
      reason: 'server-error',
      status: 502,
      attempts: 3,
      code: 7,
      message: 'upstream [redacted] down',
      moreInfo: 'x',
    });
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.map((l) => [l.msg, l.attempt, l.retriesLeft, l.status])).toEqual([
      ['toggle request retrying', 1, 2, 502],
      ['toggle request retrying', 2, 1, 502],
    ]);
    expect(logged[0]).toMatchObject({
      provider: 'flipper',
      feature: 'f',
      action: 'set',
      reason: 'server-error',
    });
  });

  it('reports a timeout per attempt', async () => {
    const notes = { status: null, attempts: 0 };
    const err = await failure(
      sendWithRetry(srv.get('/hang'), options({ timeoutMs: 50, retry: { ...FAST, retries: 1 } }), notes),
    );
    expect(err.message).toBe(`GET ${srv.base}/hang did not answer within 50 ms after 2 attempt(s)`);
    expect(err.details).toMatchObject({ reason: 'timeout', status: null, attempts: 2 });
  });

  it('reports a host that refuses connections, scrubbing the cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const request: HttpRequest = { method: 'POST', url: new URL(`http://127.0.0.1:${port}/x`), headers: {} };
    const err = await failure(
      sendWithRetry(request, options({ retry: { ...FAST, retries: 0 } }), { status: null, attempts: 0 }),
    );
    expect(err.code).toBe('E_PROVIDER_UNREACHABLE');
    expect(err.message).toMatch(
      new RegExp(
        `^POST http://127\\.0\\.0\\.1:${port}/x could not be reached \\(.*ECONNREFUSED.*\\) after 1 attempt\\(s\\)$`,
      ),
    );
    expect(err.details).toMatchObject({ reason: 'network', attempts: 1 });
  });

  it('stops at once when the caller aborts, with its reason', async () => {
    const controller = new AbortController();
    const pending = sendWithRetry(
      srv.get('/hang'),
      options(),
      { status: null, attempts: 0 },
      controller.signal,
    );
    setTimeout(() => controller.abort(new Error('shutting down')), 20);
    await expect(pending).rejects.toThrow('shutting down');
  });

  it('sends through an injected fetch when given one', async () => {
    const asked: string[] = [];
    const fetchFn: typeof fetch = (input, init) => {
      asked.push(`${init?.method ?? ''} ${String(input)}`);
      return Promise.resolve(new Response('{"via":"fetch"}', { status: 200 }));
    };
    const res = await sendWithRetry(
      { method: 'DELETE', url: new URL('http://127.0.0.1:1/gate'), headers: {} },
      options({ fetch: fetchFn }),
      { status: null, attempts: 0 },
    );
    expect(res.body).toBe('{"via":"fetch"}');
    expect(asked).toEqual(['DELETE http://127.0.0.1:1/gate']);
  });
});

describe('httpOptionsFor', () => {
  it("takes the transport's settings and the call's fields and secrets", () => {
    const logger = silentLogger();
    const retry = { ...FAST, retries: 4 };
    expect(
      httpOptionsFor(
        { fetch: undefined, timeoutMs: 900, retry, logger },
        { provider: 'p', feature: 'f', action: 'a' },
        ['tok'],
      ),
    ).toEqual({
      fetch: undefined,
      timeoutMs: 900,
      retry,
      logger,
      logFields: { provider: 'p', feature: 'f', action: 'a' },
      secrets: ['tok'],
    });
  });
});

describe('errorBodyFields and scrub', () => {
  it.each([
    [null, {}],
    ['', {}],
    ['not json', {}],
    ['"a string"', {}],
    ['[1,2]', {}],
    ['{"message":"nope"}', { message: 'nope' }],
    [
      '{"code":"feature_not_found","message":"m","more_info":"https://docs"}',
      { code: 'feature_not_found', message: 'm', moreInfo: 'https://docs' },
    ],
    ['{"code":5,"message":{"nested":true},"other":"x"}', { code: 5 }],
  ])('%j → %j', (body, fields) => {
    expect(errorBodyFields(body, [])).toEqual(fields);
  });

  it("removes the caller's secrets from every text field", () => {
    expect(errorBodyFields('{"message":"token tok-abcdef refused"}', ['tok-abcdef'])).toEqual({
      message: 'token [redacted] refused',
    });
    expect(scrub('Bearer tok-abcdef', ['tok-abcdef'])).toBe('Bearer [redacted]');
  });
});

describe('errorForStatus', () => {
  const request: HttpRequest = {
    method: 'POST',
    url: new URL('https://flipper.test/api/features/new_checkout/percentage_of_actors?x=1'),
    headers: {},
  };
  const where = 'POST https://flipper.test/api/features/new_checkout/percentage_of_actors';

  it.each([
    [401, '', 'E_PROVIDER_AUTH', `${where} was refused (401): check the token and its permissions`],
    [
      403,
      '{"message":"read-only token"}',
      'E_PROVIDER_AUTH',
      `${where} was refused (403): check the token and its permissions: read-only token`,
    ],
    [429, '', 'E_PROVIDER_RATE_LIMITED', `${where} was rate limited (429)`],
    [302, '', 'E_PROVIDER_RESPONSE', `${where} answered 302 (a redirect: is the API behind a login page?)`],
    [
      422,
      '{"message":"percentage must be 0-100"}',
      'E_TOGGLE_REJECTED',
      `${where} rejected the change to new_checkout (422): percentage must be 0-100`,
    ],
    [404, '', 'E_TOGGLE_REJECTED', `${where} rejected the change to new_checkout (404)`],
  ])('%i %j → %s', (status, body, code, message) => {
    const err = errorForStatus(request, { status, body }, 'new_checkout', []);
    expect(err.code).toBe(code);
    expect(err.message).toBe(message);
    expect(err.details).toMatchObject({
      feature: 'new_checkout',
      method: 'POST',
      status,
      url: where.slice(5),
    });
  });
});
