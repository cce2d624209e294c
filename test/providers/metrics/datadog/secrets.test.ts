import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Measurement, MetricRequest } from '../../../../src/ports/metrics-provider.js';
import { createMetricsProvider } from '../../../../src/providers/metrics/factory.js';
import { API_KEY, APP_KEY, WINDOW, makeProvider, rateLimitHeaders } from './test-kit.js';

/*
 * DESIGN.md §6: the Datadog keys never reach a log line or an error. Drive the
 * provider through every failure path at trace level (the most verbose) and
 * look for either key anywhere in the output, the measurements and the errors.
 */

const DD = 'https://api.datadoghq.com';
const J = { 'Content-Type': 'application/json' };

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

const requests: MetricRequest[] = [
  { id: 'v', query: { kind: 'value', query: 'sum:a{*}.as_count()', aggregator: 'sum' }, window: WINDOW },
  {
    id: 'r',
    query: { kind: 'ratio', numerator: 'sum:b{*}.as_count()', denominator: 'sum:a{*}.as_count()' },
    window: WINDOW,
  },
  {
    id: 'l',
    query: { kind: 'events', source: 'logs', search: 'status:error', aggregation: 'count', facet: undefined },
    window: WINDOW,
  },
  {
    id: 'u',
    query: {
      kind: 'events',
      source: 'rum',
      search: '@type:view',
      aggregation: 'cardinality',
      facet: '@usr.id',
    },
    window: WINDOW,
  },
];

function expectNoKeys(texts: readonly string[]): void {
  expect(texts.length).toBeGreaterThan(0);
  for (const text of texts) {
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(APP_KEY);
  }
}

const messages = (ms: Measurement[]) => ms.map((m) => JSON.stringify(m));

describe('Datadog keys never leak', () => {
  it.each([
    [
      '400 that echoes the key back',
      (s: nock.Interceptor) => s.reply(400, { errors: [`Invalid key ${API_KEY} / ${APP_KEY}`] }, J),
    ],
    [
      '403 (then the API-key probe)',
      (s: nock.Interceptor) => s.reply(403, { errors: [`Forbidden for ${APP_KEY}`] }, J),
    ],
    [
      '429 with a far reset',
      (s: nock.Interceptor) =>
        s.reply(429, { errors: ['Too many requests'] }, { ...J, ...rateLimitHeaders(0, 900) }),
    ],
    ['500', (s: nock.Interceptor) => s.reply(500, `internal error near ${API_KEY}`)],
    [
      'network error',
      (s: nock.Interceptor) =>
        s.replyWithError(new TypeError('fetch failed', { cause: new Error(`bad ${API_KEY}`) })),
    ],
  ])('%s', async (_name, reply) => {
    const { provider, logs } = makeProvider({ maxRetries: 1 });
    for (const path of [
      '/api/v2/query/scalar',
      '/api/v2/logs/analytics/aggregate',
      '/api/v2/rum/analytics/aggregate',
    ]) {
      reply(nock(DD).post(path).times(2));
    }
    nock(DD)
      .get('/api/v1/validate')
      .optionally()
      .reply(403, { errors: [`Forbidden ${API_KEY}`] }, J);
    const result = await provider.queryMany(requests);
    expect(result.every((m) => m.kind === 'error')).toBe(true);
    expectNoKeys([...messages(result), ...logs.lines]);
  });

  it('successful answers logged at trace level carry no key', async () => {
    const { provider, logs } = makeProvider();
    nock(DD)
      .post('/api/v2/query/scalar')
      .reply(
        200,
        { data: { type: 'scalar_response', attributes: { columns: [] } } },
        { ...J, ...rateLimitHeaders(1) },
      );
    await provider.queryMany(requests.slice(0, 1));
    expectNoKeys(logs.lines);
  });

  it.each([
    [
      { DD_APP_KEY: APP_KEY },
      'DD_API_KEY is not set: metrics provider "datadog" needs an API key in the environment',
    ],
    [
      { DD_API_KEY: API_KEY },
      'DD_APP_KEY is not set: metrics provider "datadog" needs an application key in the environment',
    ],
    [
      { DD_API_KEY: API_KEY, DD_APP_KEY: '  ' },
      'DD_APP_KEY is not set: metrics provider "datadog" needs an application key in the environment',
    ],
  ])('a missing key is a config error naming the variable, not the other key', (env, message) => {
    let error: unknown;
    try {
      createMetricsProvider(
        'datadog',
        { type: 'datadog', site: 'datadoghq.com', timeoutMs: 1000, maxRetries: 0 },
        { env },
      );
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'E_CONFIG_INVALID', message });
    expectNoKeys([JSON.stringify(error), String(error)]);
  });
});
