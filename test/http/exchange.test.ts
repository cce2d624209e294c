import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchExchange, type ExchangeLimits, type HttpRequest } from '../../src/http/exchange.js';
import { sendWithRetry, DEFAULT_RETRY_DELAYS } from '../../src/http/http-client.js';
import { exchange } from '../../src/http/node-http.js';
import { silentLogger } from '../../src/log.js';

/*
 * The one outbound exchange, both variants (node:http and an injected fetch),
 * against a local server: a redirect is an answer, never followed (the
 * target is never asked); an answer over the cap is an error while reading,
 * not after buffering it; the caller's signal stops an exchange at once.
 */

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let base: string;
const hits: string[] = [];
const routes = new Map<string, Handler>();

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const route = routes.get(req.url ?? '');
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  routes.set('/redirect', (_req, res) => res.writeHead(302, { location: `${base}/target` }).end());
  routes.set('/target', (_req, res) => res.writeHead(200).end('followed'));
  routes.set('/huge', (_req, res) => {
    // 9 MiB in 64 KiB chunks, no content-length: the cap must act while reading
    res.writeHead(200, { 'content-type': 'application/json' });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const pump = (): void => {
      while (sent < 144) {
        sent += 1;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
  routes.set('/hang', () => undefined);
  routes.set('/ok', (_req, res) => res.writeHead(200, { 'x-ratelimit-reset': '5' }).end('{"ok":true}'));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const limits: ExchangeLimits = { maxBytes: 8 * 1024 * 1024, connectTimeoutMs: 1_000 };
const get = (path: string): HttpRequest => ({ method: 'GET', url: new URL(`${base}${path}`), headers: {} });

const variants = [
  ['node:http', (r: HttpRequest, s: AbortSignal, l: ExchangeLimits) => exchange(r, s, l)],
  ['fetch', (r: HttpRequest, s: AbortSignal, l: ExchangeLimits) => fetchExchange(fetch, r, s, l)],
] as const;

describe.each(variants)('exchange via %s', (_name, send) => {
  it('returns a redirect as an answer and never asks its target', async () => {
    hits.length = 0;
    const res = await send(get('/redirect'), AbortSignal.timeout(2_000), limits);
    expect(res.status).toBe(302);
    expect(hits).toEqual(['/redirect']);
  });

  it('stops reading past the cap with E_PROVIDER_TOO_LARGE', async () => {
    await expect(send(get('/huge'), AbortSignal.timeout(5_000), limits)).rejects.toMatchObject({
      code: 'E_PROVIDER_TOO_LARGE',
      message: `GET ${base}/huge answered more than 8388608 bytes: stopped reading`,
    });
  });

  it('returns headers and body', async () => {
    const res = await send(get('/ok'), AbortSignal.timeout(2_000), limits);
    expect(res).toMatchObject({ status: 200, body: '{"ok":true}' });
    expect(res.headers['x-ratelimit-reset']).toBe('5');
  });

  it("stops when the caller's signal fires, with its reason", async () => {
    const controller = new AbortController();
    const pending = send(get('/hang'), controller.signal, limits);
    setTimeout(() => controller.abort(new Error('operator abort')), 20);
    await expect(pending).rejects.toThrow('operator abort');
  });
});

describe('sendWithRetry', () => {
  it('does not retry an answer over the cap', async () => {
    hits.length = 0;
    const notes = { status: null, attempts: 0 };
    await expect(
      sendWithRetry(
        get('/huge'),
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
    expect(hits).toEqual(['/huge']);
  });
});
