import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectTimeoutError,
  describeUrl,
  fetchExchange,
  tooLarge,
  type ExchangeLimits,
  type HttpRequest,
} from '../../src/http/exchange.js';
import { StagegateError } from '../../src/errors.js';
import { startLocalServer, type LocalServer } from './local-server.js';

/*
 * The exchange through an injected fetch, against a local server: a redirect
 * is an answer, never followed (the target is never asked); an answer over
 * the cap is an error while reading, not after buffering it; the caller's
 * signal stops an exchange at once. node-http.test.ts asserts the same of
 * the node:http exchange.
 */

let srv: LocalServer;
beforeAll(async () => {
  srv = await startLocalServer();
});
afterAll(() => srv.close());

const limits: ExchangeLimits = { maxBytes: 8 * 1024 * 1024, connectTimeoutMs: 1_000 };
const send = (r: HttpRequest, s: AbortSignal, l: ExchangeLimits) => fetchExchange(fetch, r, s, l);

describe('fetchExchange (an injected fetch)', () => {
  it('returns a redirect as an answer and never asks its target', async () => {
    srv.hits.length = 0;
    const res = await send(srv.get('/redirect'), AbortSignal.timeout(2_000), limits);
    expect(res.status).toBe(302);
    expect(srv.hits).toEqual(['/redirect']);
  });

  it('stops reading past the cap with E_PROVIDER_TOO_LARGE', async () => {
    await expect(send(srv.get('/huge'), AbortSignal.timeout(5_000), limits)).rejects.toMatchObject({
      code: 'E_PROVIDER_TOO_LARGE',
      message: `GET ${srv.base}/huge answered more than 8388608 bytes: stopped reading`,
    });
  });

  it('returns headers and body', async () => {
    const res = await send(srv.get('/ok'), AbortSignal.timeout(2_000), limits);
    expect(res).toMatchObject({ status: 200, body: '{"ok":true}' });
    expect(res.headers['x-ratelimit-reset']).toBe('5');
  });

  it("stops when the caller's signal fires, with its reason", async () => {
    const controller = new AbortController();
    const pending = send(srv.get('/hang'), controller.signal, limits);
    setTimeout(() => controller.abort(new Error('operator abort')), 20);
    await expect(pending).rejects.toThrow('operator abort');
  });
});

describe('fetchExchange: beyond the shared guarantees', () => {
  it('refuses a declared content-length over the cap before reading the body', async () => {
    srv.routes.set('/declared', (_req, res) =>
      res.writeHead(200, { 'content-length': '2048' }).end('x'.repeat(2048)),
    );
    await expect(
      send(srv.get('/declared'), AbortSignal.timeout(2_000), { maxBytes: 1024 }),
    ).rejects.toMatchObject({
      code: 'E_PROVIDER_TOO_LARGE',
      details: { method: 'GET', url: `${srv.base}/declared`, maxBytes: 1024 },
    });
  });

  it('sends the method, headers and body it is given', async () => {
    let seen = '';
    srv.routes.set('/echo', (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        seen = `${req.method ?? ''} ${req.headers['x-test'] as string} ${body}`;
        res.writeHead(204).end();
      });
    });
    const res = await send(
      { method: 'POST', url: new URL(`${srv.base}/echo`), headers: { 'x-test': 'yes' }, body: '{"a":1}' },
      AbortSignal.timeout(2_000),
      limits,
    );
    expect(res).toMatchObject({ status: 204, body: '' });
    expect(seen).toBe('POST yes {"a":1}');
  });
});

describe('describeUrl, tooLarge, connectTimeoutError', () => {
  it.each([
    [
      'https://user:pw@flipper.test:8443/api/features/x?token=abc#frag',
      'https://flipper.test:8443/api/features/x',
    ],
    ['http://127.0.0.1:5000/', 'http://127.0.0.1:5000/'],
    ['https://api.datadoghq.com/api/v2/query/scalar', 'https://api.datadoghq.com/api/v2/query/scalar'],
  ])('%s is described as %s (no credentials, no query)', (url, expected) => {
    expect(describeUrl(new URL(url))).toBe(expected);
  });

  it('tooLarge is a typed error that names the request and the cap', () => {
    const err = tooLarge({ method: 'DELETE', url: new URL('https://t:s@h.test/a?q=1'), headers: {} }, 10);
    expect(err).toBeInstanceOf(StagegateError);
    expect(err.code).toBe('E_PROVIDER_TOO_LARGE');
    expect(err.message).toBe('DELETE https://h.test/a answered more than 10 bytes: stopped reading');
  });

  it('connectTimeoutError is named like fetch timeouts', () => {
    const err = connectTimeoutError(250);
    expect(err).toMatchObject({
      name: 'TimeoutError',
      code: 'ETIMEDOUT',
      message: 'no connection within 250 ms',
    });
  });
});
