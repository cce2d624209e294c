import { describe, expect, it } from 'vitest';
import type { ExchangeLimits, HttpRequest } from '../../src/http/exchange.js';
import { exchange } from '../../src/http/node-http.js';
import { exchangeGuarantees, LIMITS } from './exchange-guarantees.js';
import { useLocalServer } from './local-server.js';

/*
 * The exchange through node:http, against a local server: the guarantees every
 * exchange keeps (exchange-guarantees.ts, also asserted of fetchExchange), then
 * what only this one does.
 */

const srv = useLocalServer();
const send = (r: HttpRequest, s: AbortSignal, l: ExchangeLimits) => exchange(r, s, l);

describe('exchange via node:http', () => {
  exchangeGuarantees(srv, send);
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
      LIMITS,
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
    await expect(send(srv.get('/cut'), AbortSignal.timeout(2_000), LIMITS)).rejects.toThrow();
  });

  it('rejects with the deadline when no answer comes', async () => {
    await expect(send(srv.get('/hang'), AbortSignal.timeout(50), LIMITS)).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });
});
