import nock from 'nock';
import type { v2 } from '@datadog/datadog-api-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DatadogClient,
  type DatadogClientOptions,
} from '../../../../src/providers/metrics/datadog/client.js';
import { DatadogFailure } from '../../../../src/providers/metrics/datadog/errors.js';
import type { MetricRequest } from '../../../../src/ports/metrics-provider.js';
import {
  API_KEY,
  APP_KEY,
  FROM,
  TO,
  WINDOW,
  captureLogs,
  fakeTime,
  makeProvider,
  rateLimitHeaders,
  scalarAnswer,
} from './test-kit.js';

/*
 * client.ts on its own: the official API classes over our transport, one
 * retry loop, the rate-limit gate, stats, and the API-key probe — against
 * nock answering as Datadog does (v2 scalar, logs and RUM aggregate, v1
 * validate). Waits go through an injected sleep and clock, never wall time.
 * The rate-limit cases drive the client through the provider, which exposes
 * the gate's last headers and the stats.
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

/** the provider's request for the same metric (the rate-limit cases, moved from provider.test.ts) */
const SENT_VALUE: MetricRequest = {
  id: 'v',
  query: { kind: 'value', query: 'sum:ebg.email.sent{env:prod}.as_count()', aggregator: 'sum' },
  window: WINDOW,
};

const BUCKETS = { data: { buckets: [{ by: {}, computes: { c0: 12 } }] }, meta: { status: 'done' } };

function makeClient(o: Partial<DatadogClientOptions> = {}) {
  const logs = captureLogs();
  const { sleeps, clock, time } = fakeTime(FROM);
  const client = new DatadogClient({
    site: 'datadoghq.com',
    apiKey: API_KEY,
    appKey: APP_KEY,
    timeoutMs: 2000,
    retries: 2,
    logger: logs.logger,
    minRetryDelayMs: 1,
    maxRetryDelayMs: 2,
    ...time,
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

describe('rate limits (through the provider, which reads the client’s gate and stats)', () => {
  it('on 429 waits until X-RateLimit-Reset (plus jitter) and then retries', async () => {
    const { provider, sleeps, logs } = makeProvider();
    const scope = nock(DD)
      .post('/api/v2/query/scalar')
      .reply(429, { errors: ['Too many requests'] }, { ...J, ...rateLimitHeaders(0, 7) })
      .post('/api/v2/query/scalar')
      .reply(200, scalarAnswer({ a: [12] }), { ...J, ...rateLimitHeaders(99, 10) });
    expect(await provider.queryMany([SENT_VALUE])).toEqual([{ kind: 'value', value: 12 }]);
    expect(scope.isDone()).toBe(true);
    // reset 7 s + jitter (random 0.5 × 1 s)
    expect(sleeps).toEqual([7500]);
    expect(provider.rateLimit()).toEqual({
      limit: 100,
      remaining: 99,
      reset: 10,
      period: 10,
      name: 'metrics_query',
    });
    expect(logs.entries().some((e) => e.msg === 'datadog rate limited' && e.waitMs === 7500)).toBe(true);
  });

  it('does not wait for a reset beyond the cap: fails now, keeps requests out for the cap only', async () => {
    const { provider, sleeps, clock } = makeProvider({}, { maxRateLimitWaitMs: 30_000 });
    const scope = nock(DD)
      .post('/api/v2/query/scalar')
      .reply(429, { errors: ['Too many requests'] }, { ...J, ...rateLimitHeaders(0, 600) })
      .post('/api/v2/query/scalar')
      .reply(200, scalarAnswer({ a: [3] }), J);
    const [first] = await provider.queryMany([SENT_VALUE]);
    expect(first).toEqual({
      kind: 'error',
      code: 'E_PROVIDER_RATE_LIMITED',
      message:
        'Datadog rate limit exhausted: its reset is beyond the 30 s cap on waits; no metrics query goes out for 30 s',
    });
    // a check within the cap does not even try
    clock.now += 10_000;
    const [second] = await provider.queryMany([SENT_VALUE]);
    expect(second).toMatchObject({ kind: 'error', code: 'E_PROVIDER_RATE_LIMITED' });
    expect(provider.stats()).toEqual({ requests: 1, errors: 1 });
    // the next check after the cap tries again: a far reset never shuts a rollback's checks out for longer
    clock.now += 20_000;
    expect(await provider.queryMany([SENT_VALUE])).toEqual([{ kind: 'value', value: 3 }]);
    expect(scope.isDone()).toBe(true);
    expect(sleeps).toEqual([]);
  });

  it('remembers the last rate-limit headers and warns once when the budget runs low', async () => {
    const { provider, logs } = makeProvider();
    nock(DD)
      .post('/api/v2/query/scalar')
      .reply(200, scalarAnswer({ a: [1] }), { ...J, ...rateLimitHeaders(50) })
      .post('/api/v2/query/scalar')
      .reply(200, scalarAnswer({ a: [1] }), { ...J, ...rateLimitHeaders(9) })
      .post('/api/v2/query/scalar')
      .reply(200, scalarAnswer({ a: [1] }), { ...J, ...rateLimitHeaders(8) });
    for (let i = 0; i < 3; i++) await provider.queryMany([SENT_VALUE]);
    expect(provider.rateLimit()).toEqual({
      limit: 100,
      remaining: 8,
      reset: 7,
      period: 10,
      name: 'metrics_query',
    });
    const warnings = logs.entries().filter((e) => e.msg === 'datadog rate-limit budget low');
    expect(warnings).toHaveLength(1);
    expect(logs.entries().filter((e) => e.msg === 'datadog response' && e.level === 20)).toHaveLength(3);
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
