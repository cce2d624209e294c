import { expect, it } from 'vitest';
import type { ExchangeLimits, HttpRequest, RawResponse } from '../../src/http/exchange.js';
import type { LocalServer } from './local-server.js';

/*
 * What every exchange guarantees, asserted of each implementation (fetchExchange, node:http): a
 * redirect is an answer, never followed (the target is never asked); an answer over the cap is an
 * error while reading, not after buffering it; the caller's signal stops an exchange at once.
 */

export type Send = (r: HttpRequest, s: AbortSignal, l: ExchangeLimits) => Promise<RawResponse>;

export const LIMITS: ExchangeLimits = { maxBytes: 8 * 1024 * 1024, connectTimeoutMs: 1_000 };

/** Declares the shared guarantees as tests of `send`; call inside a describe. */
export function exchangeGuarantees(srv: LocalServer, send: Send): void {
  it('returns a redirect as an answer and never asks its target', async () => {
    srv.hits.length = 0;
    const res = await send(srv.get('/redirect'), AbortSignal.timeout(2_000), LIMITS);
    expect(res.status).toBe(302);
    expect(srv.hits).toEqual(['/redirect']);
  });

  it('stops reading past the cap with E_PROVIDER_TOO_LARGE', async () => {
    await expect(send(srv.get('/huge'), AbortSignal.timeout(5_000), LIMITS)).rejects.toMatchObject({
      code: 'E_PROVIDER_TOO_LARGE',
      message: `GET ${srv.base}/huge answered more than 8388608 bytes: stopped reading`,
    });
  });

  it('returns headers and body', async () => {
    const res = await send(srv.get('/ok'), AbortSignal.timeout(2_000), LIMITS);
    expect(res).toMatchObject({ status: 200, body: '{"ok":true}' });
    expect(res.headers['x-ratelimit-reset']).toBe('5');
  });

  it("stops when the caller's signal fires, with its reason", async () => {
    const controller = new AbortController();
    const pending = send(srv.get('/hang'), controller.signal, LIMITS);
    setTimeout(() => controller.abort(new Error('operator abort')), 20);
    await expect(pending).rejects.toThrow('operator abort');
  });
}
