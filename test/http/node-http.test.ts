import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExchangeLimits, HttpRequest } from '../../src/http/exchange.js';
import { exchange } from '../../src/http/node-http.js';
import { startLocalServer, type LocalServer } from './local-server.js';

/*
 * The exchange through node:http, against a local server: a redirect is an
 * answer, never followed (the target is never asked); an answer over the cap
 * is an error while reading, not after buffering it; the caller's signal
 * stops an exchange at once (exchange.test.ts: the same of fetchExchange).
 */

let srv: LocalServer;
beforeAll(async () => {
  srv = await startLocalServer();
});
afterAll(() => srv.close());

const limits: ExchangeLimits = { maxBytes: 8 * 1024 * 1024, connectTimeoutMs: 1_000 };
const send = (r: HttpRequest, s: AbortSignal, l: ExchangeLimits) => exchange(r, s, l);

describe('exchange via node:http', () => {
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

describe('exchange via node:http: beyond the shared guarantees', () => {
  it('sends the body with its content-length and flattens repeated headers', async () => {
    let seen = '';
    srv.routes.set('/post', (req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        seen = `${req.method ?? ''} ${req.headers['content-length'] ?? '-'} ${body}`;
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.writeHead(201).end('created');
      });
    });
    const res = await send(
      {
        method: 'POST',
        url: new URL(`${srv.base}/post`),
        headers: { 'content-type': 'application/json' },
        body: '{"é":1}',
      },
      AbortSignal.timeout(2_000),
      limits,
    );
    // content-length counts bytes (8), not characters (7)
    expect(seen).toBe('POST 8 {"é":1}');
    expect(res).toMatchObject({ status: 201, body: 'created' });
    expect(res.headers['set-cookie']).toBe('a=1, b=2');
  });

  it('fails when the server closes in the middle of the body', async () => {
    srv.routes.set('/cut', (_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => res.destroy(), 10);
    });
    await expect(send(srv.get('/cut'), AbortSignal.timeout(2_000), limits)).rejects.toThrow();
  });

  it('rejects with the deadline when no answer comes', async () => {
    await expect(send(srv.get('/hang'), AbortSignal.timeout(50), limits)).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });
});
