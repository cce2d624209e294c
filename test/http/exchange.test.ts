import { describe, expect, it } from 'vitest';
import {
  connectTimeoutError,
  describeUrl,
  fetchExchange,
  tooLarge,
  type ExchangeLimits,
  type HttpRequest,
} from '../../src/http/exchange.js';
import { StagegateError } from '../../src/errors.js';
import { exchangeGuarantees, LIMITS } from './exchange-guarantees.js';
import { useLocalServer } from './local-server.js';

/*
 * The exchange through an injected fetch, against a local server: the
 * guarantees every exchange keeps (exchange-guarantees.ts, also asserted of the
 * node:http exchange), then what only this one does.
 */

const srv = useLocalServer();
const send = (r: HttpRequest, s: AbortSignal, l: ExchangeLimits) => fetchExchange(fetch, r, s, l);

describe('fetchExchange (an injected fetch)', () => {
  exchangeGuarantees(srv, send);
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
      LIMITS,
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
