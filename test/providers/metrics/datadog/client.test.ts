import nock from 'nock';
import type { v2 } from '@datadog/datadog-api-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DatadogClient,
  type DatadogClientOptions,
} from '../../../../src/providers/metrics/datadog/client.js';
import { DatadogFailure } from '../../../../src/providers/metrics/datadog/errors.js';
import { API_KEY, APP_KEY, FROM, TO, captureLogs, rateLimitHeaders, scalarAnswer } from './test-kit.js';

/*
 * client.ts on its own: the official API classes over our transport, one
 * retry loop, the rate-limit gate, stats, and the API-key probe — against
 * nock answering as Datadog does (v2 scalar, logs and RUM aggregate, v1
 * validate). Waits go through an injected sleep and clock, never wall time.
 */

const DD = 'https://api.datadoghq.com';
const J = { 'Content-Type': 'application/json' };

const SCALAR: v2.ScalarFormulaQueryRequest = {
  data: {
    type: 'scalar_request',
    attributes: {
      from: FROM,
      to: TO,
      queries: [
        {
          dataSource: 'metrics',
          name: 'a',
          query: 'sum:ebg.email.sent{env:prod}.as_count()',
          aggregator: 'sum',
        },
      ],
      formulas: [{ formula: 'a' }],
    },
  },
};

const LOGS: v2.LogsAggregateRequest = {
  compute: [{ aggregation: 'count', type: 'total' }],
  filter: { query: 'service:ebg status:error', from: String(FROM), to: String(TO) },
};

const RUM: v2.RUMAggregateRequest = {
  compute: [{ aggregation: 'cardinality', metric: '@usr.id', type: 'total' }],
  filter: { query: '@view.name:/claims', from: String(FROM), to: String(TO) },
};

const BUCKETS = { data: { buckets: [{ by: {}, computes: { c0: 12 } }] }, meta: { status: 'done' } };

function makeClient(o: Partial<DatadogClientOptions> = {}) {
  const logs = captureLogs();
  const sleeps: number[] = [];
  const clock = { now: FROM };
  const client = new DatadogClient({
    site: 'datadoghq.com',
    apiKey: API_KEY,
    appKey: APP_KEY,
    timeoutMs: 2000,
    retries: 2,
    logger: logs.logger,
    minRetryDelayMs: 1,
    maxRetryDelayMs: 2,
    now: () => clock.now,
    random: () => 0.5,
    sleep: (ms) => {
      sleeps.push(ms);
      clock.now += ms;
      return Promise.resolve();
    },
    ...o,
  });
  return { client, logs, sleeps, clock };
}

async function failure(p: Promise<unknown>): Promise<DatadogFailure> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DatadogFailure);
  return err as DatadogFailure;
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('requests', () => {
  it('sends the scalar query with both keys to the site, and returns Datadog’s answer', async () => {
    const { client } = makeClient();
    let sent: unknown;
    const scope = nock(DD, { reqheaders: { 'DD-API-KEY': API_KEY, 'DD-APPLICATION-KEY': APP_KEY } })
      .post('/api/v2/query/scalar', (body: unknown) => {
        sent = body;
        return true;
      })
      .reply(200, scalarAnswer({ a: [1234] }), J);
    const answer = await client.queryScalar(SCALAR);
    expect(scope.isDone()).toBe(true);
    expect(sent).toMatchObject({
      data: {
        type: 'scalar_request',
        attributes: { from: FROM, to: TO, queries: [{ data_source: 'metrics', name: 'a' }] },
      },
    });
    expect(answer.data?.attributes?.columns?.[0]).toMatchObject({ name: 'a', values: [1234] });
    expect(client.endpoint).toBe(DD);
    expect(client.stats()).toEqual({ requests: 1, errors: 0 });
  });

  it.each<[string, string, (c: DatadogClient) => Promise<unknown>]>([
    ['logs aggregate', '/api/v2/logs/analytics/aggregate', (c) => c.aggregateLogs(LOGS)],
    ['RUM aggregate', '/api/v2/rum/analytics/aggregate', (c) => c.aggregateRum(RUM)],
  ])('%s goes to %s', async (_name, path, call) => {
    const { client } = makeClient();
    const scope = nock(DD).post(path).reply(200, BUCKETS, J);
    expect(await call(client)).toMatchObject({ data: { buckets: [{ computes: { c0: 12 } }] } });
    expect(scope.isDone()).toBe(true);
  });

  it('a baseUrl (the sandbox) replaces the site, trailing slashes dropped', async () => {
    const { client } = makeClient({ baseUrl: 'http://127.0.0.1:8126//' });
    expect(client.endpoint).toBe('http://127.0.0.1:8126');
    const scope = nock('http://127.0.0.1:8126')
      .post('/api/v2/query/scalar')
      .reply(200, scalarAnswer({ a: [1] }), J);
    await client.queryScalar(SCALAR);
    expect(scope.isDone()).toBe(true);
  });
});

describe('retries', () => {
  it('retries a 5xx with backoff, logging each retry, then returns the answer', async () => {
    const { client, logs } = makeClient();
    nock(DD)
      .post('/api/v2/query/scalar')
      .reply(503, { errors: ['Service Unavailable'] }, J)
      .post('/api/v2/query/scalar')
      .reply(500, { errors: ['Internal Server Error'] }, J)
      .post('/api/v2/query/scalar')
      .reply(200, scalarAnswer({ a: [7] }), J);
    const answer = await client.queryScalar(SCALAR);
    expect(answer.data?.attributes?.columns?.[0]).toMatchObject({ values: [7] });
    expect(client.stats()).toEqual({ requests: 3, errors: 2 });
    const retries = logs.entries().filter((e) => e.msg === 'datadog request failed, retrying');
    expect(retries.map((e) => [e.attempt, e.retriesLeft, e.operation])).toEqual([
      [1, 2, 'metrics query'],
      [2, 1, 'metrics query'],
    ]);
  });

  it('gives up after `retries` retries with the last failure', async () => {
    const { client } = makeClient({ retries: 1 });
    const scope = nock(DD)
      .post('/api/v2/query/scalar')
      .times(2)
      .reply(502, { errors: ['Bad Gateway'] }, J);
    const f = await failure(client.queryScalar(SCALAR));
    expect(scope.isDone()).toBe(true);
    expect(f.code).toBe('E_PROVIDER_UNREACHABLE');
    expect(f.retryable).toBe(true);
    expect(client.stats()).toEqual({ requests: 2, errors: 2 });
  });

  it.each<[number, string]>([
    [400, 'E_PROVIDER_BAD_REQUEST'],
    [401, 'E_PROVIDER_AUTH'],
    [403, 'E_PROVIDER_AUTH'],
  ])('does not retry a %s (%s)', async (status, code) => {
    const { client } = makeClient();
    nock(DD)
      .post('/api/v2/query/scalar')
      .reply(status, { errors: ['Error parsing query'] }, J);
    const f = await failure(client.queryScalar(SCALAR));
    expect(f.code).toBe(code);
    expect(f.status).toBe(status);
    expect(client.stats()).toEqual({ requests: 1, errors: 1 });
  });

  it('a network error is retried and counted as a request without an answer', async () => {
    const { client } = makeClient({ retries: 1 });
    nock(DD)
      .post('/api/v2/query/scalar')
      .replyWithError({ code: 'ECONNRESET', message: 'socket hang up' })
      .post('/api/v2/query/scalar')
      .reply(200, scalarAnswer({ a: [2] }), J);
    await client.queryScalar(SCALAR);
    expect(client.stats()).toEqual({ requests: 2, errors: 1 });
  });
});

describe('rate limits', () => {
  it('a 429 closes the gate until its reset; the retry waits there, then goes out', async () => {
    const { client, sleeps, logs } = makeClient();
    nock(DD)
      .post('/api/v2/query/scalar')
      .reply(429, { errors: ['Too many requests'] }, { ...J, ...rateLimitHeaders(0, 7) })
      .post('/api/v2/query/scalar')
      .reply(200, scalarAnswer({ a: [3] }), { ...J, ...rateLimitHeaders(99, 10) });
    await client.queryScalar(SCALAR);
    // 7 s asked, plus the jitter of up to 1 s (random 0.5): the one wait, before the retry
    expect(sleeps).toEqual([7_500]);
    const limited = logs.entries().find((e) => e.msg === 'datadog rate limited');
    expect(limited).toMatchObject({
      operation: 'metrics query',
      capped: false,
      requestedMs: 7_500,
      waitMs: 7_500,
    });
    expect(client.rateLimit()).toMatchObject({ name: 'metrics_query', remaining: 99, limit: 100 });
  });

  it('a reset beyond the cap fails calls at once until the gate reopens, without sending', async () => {
    const { client, sleeps } = makeClient({ maxRateLimitWaitMs: 5_000, retries: 0 });
    nock(DD)
      .post('/api/v2/query/scalar')
      .reply(429, { errors: ['Too many requests'] }, { ...J, ...rateLimitHeaders(0, 3_600) });
    expect((await failure(client.queryScalar(SCALAR))).code).toBe('E_PROVIDER_RATE_LIMITED');
    // nock has nothing left to answer: a request going out would fail differently
    const f = await failure(client.queryScalar(SCALAR));
    expect(f.code).toBe('E_PROVIDER_RATE_LIMITED');
    expect(f.message).toMatch(/beyond the 5 s cap on waits; no metrics query goes out for \d+ s$/);
    expect(sleeps).toEqual([]);
    expect(client.stats().requests).toBe(1);
  });

  it('warns once when the budget turns low, not on every answer while it stays low', async () => {
    const { client, logs } = makeClient();
    nock(DD)
      .post('/api/v2/query/scalar')
      .reply(200, scalarAnswer({ a: [1] }), { ...J, ...rateLimitHeaders(50) })
      .post('/api/v2/query/scalar')
      .times(2)
      .reply(200, scalarAnswer({ a: [1] }), { ...J, ...rateLimitHeaders(5) });
    for (let i = 0; i < 3; i++) await client.queryScalar(SCALAR);
    expect(logs.entries().filter((e) => e.msg === 'datadog rate-limit budget low')).toHaveLength(1);
  });
});

describe('validateApiKey', () => {
  it.each<[string, number, unknown, boolean | undefined]>([
    ['a valid key', 200, { valid: true }, true],
    ['a rejected key', 403, { errors: ['Forbidden'] }, false],
    ['an unauthorised key', 401, { errors: ['Unauthorized'] }, false],
    ['Datadog down: cannot tell', 503, { errors: ['Service Unavailable'] }, undefined],
  ])('%s → %s', async (_name, status, body, expected) => {
    const { client } = makeClient();
    const scope = nock(DD, { reqheaders: { 'DD-API-KEY': API_KEY } })
      .get('/api/v1/validate')
      .reply(status, body as nock.Body, J);
    expect(await client.validateApiKey()).toBe(expected);
    expect(scope.isDone()).toBe(true);
  });

  it('asks nothing while the rate-limit gate is closed', async () => {
    const { client } = makeClient({ retries: 0 });
    nock(DD)
      .post('/api/v2/query/scalar')
      .reply(429, { errors: ['Too many requests'] }, { ...J, ...rateLimitHeaders(0, 7) });
    await failure(client.queryScalar(SCALAR));
    expect(await client.validateApiKey()).toBeUndefined();
    expect(client.stats().requests).toBe(1);
  });
});

describe('secrets', () => {
  it('a key echoed in an answer never reaches the failure’s message', async () => {
    const { client } = makeClient();
    nock(DD)
      .post('/api/v2/query/scalar')
      .reply(400, { errors: [`bad key ${API_KEY} and ${APP_KEY}`] }, J);
    const f = await failure(client.queryScalar(SCALAR));
    expect(f.code).toBe('E_PROVIDER_BAD_REQUEST');
    expect(f.message).not.toContain(API_KEY);
    expect(f.message).not.toContain(APP_KEY);
  });
});
