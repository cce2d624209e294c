import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MetricRequest } from '../../../../src/ports/metrics-provider.js';
import { WINDOW, makeProvider, rateLimitHeaders, scalarAnswer } from './test-kit.js';

/*
 * Issue 11 item 9: one 429 whose X-RateLimit-Reset is an epoch time closed
 * the gate for ~56 years. Every header-driven wait is capped (30 s, or the
 * check interval the runtime passes): asserted on the waits the client asks
 * the injected clock for, not on wall time. How a header is read and capped
 * (headerWaitMs, cappedWaitMs) is test/http/retry-after.test.ts's.
 */

const DD = 'https://api.datadoghq.com';
const J = { 'Content-Type': 'application/json' };
const value: MetricRequest = {
  id: 'v',
  query: { kind: 'value', query: 'sum:a{*}.as_count()', aggregator: 'sum' },
  window: WINDOW,
};

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('no query waits past the cap', () => {
  it('an epoch X-RateLimit-Reset (the 56-year gate) closes the gate for the cap at most', async () => {
    const { provider, sleeps, clock } = makeProvider({}, { maxRateLimitWaitMs: 30_000 });
    // read as seconds, this is 1.75e9 s ≈ 56 years
    const epochReset = Math.floor(clock.now / 1000) + 3_600;
    nock(DD)
      .post('/api/v2/query/scalar')
      .reply(429, { errors: ['Too many requests'] }, { ...J, ...rateLimitHeaders(0, epochReset) })
      .post('/api/v2/query/scalar')
      .reply(200, scalarAnswer({ a: [5] }), J);
    const started = clock.now;
    const [first] = await provider.queryMany([value]);
    expect(first).toMatchObject({ kind: 'error', code: 'E_PROVIDER_RATE_LIMITED' });
    // the next check, one interval (30 s) later, goes out and gets its answer
    clock.now = started + 30_000;
    expect(await provider.queryMany([value])).toEqual([{ kind: 'value', value: 5 }]);
    expect(sleeps.every((ms) => ms <= 30_000)).toBe(true);
  });

  it('an epoch reset within the cap is waited for, then retried', async () => {
    const { provider, sleeps, clock } = makeProvider({}, { maxRateLimitWaitMs: 30_000 });
    const reset = Math.floor(clock.now / 1000) + 5;
    nock(DD)
      .post('/api/v2/query/scalar')
      .reply(429, { errors: ['Too many requests'] }, { ...J, ...rateLimitHeaders(0, reset) })
      .post('/api/v2/query/scalar')
      .reply(200, scalarAnswer({ a: [8] }), J);
    expect(await provider.queryMany([value])).toEqual([{ kind: 'value', value: 8 }]);
    // 5 s (the clock is on a whole second) + jitter 0.5 × 1 s, not 1.75e9 s
    expect(sleeps).toEqual([5_500]);
  });

  it('a Retry-After without rate-limit headers is read and capped by a short check interval', async () => {
    // the runtime passes its shortest check interval (10 s) as the cap
    const { provider, sleeps } = makeProvider({ maxRetries: 3 }, { maxRateLimitWaitMs: 10_000 });
    nock(DD)
      .post('/api/v2/query/scalar')
      .reply(429, { errors: ['Too many requests'] }, { ...J, 'Retry-After': '8' })
      .post('/api/v2/query/scalar')
      .reply(200, scalarAnswer({ a: [2] }), J);
    expect(await provider.queryMany([value])).toEqual([{ kind: 'value', value: 2 }]);
    expect(sleeps).toEqual([8_500]);
    expect(sleeps.every((ms) => ms <= 10_000)).toBe(true);
  });

  it('a query cancelled by its caller stops waiting at the gate', async () => {
    const { provider } = makeProvider(
      {},
      {
        maxRateLimitWaitMs: 30_000,
        // a real wait: resolves only on abort
        sleep: (_ms, signal) =>
          new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason))),
      },
    );
    nock(DD)
      .post('/api/v2/query/scalar')
      .reply(429, { errors: ['Too many requests'] }, { ...J, ...rateLimitHeaders(0, 20) });
    const controller = new AbortController();
    const pending = provider.queryMany([value], controller.signal);
    setTimeout(() => controller.abort(new Error('operator abort')), 20);
    const [m] = await pending;
    expect(m).toMatchObject({ kind: 'error' });
  });
});
