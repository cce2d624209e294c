import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MetricRequest } from '../../../../src/ports/metrics-provider.js';
import { API_KEY, APP_KEY, FROM, TO, WINDOW, makeProvider, scalarAnswer } from './test-kit.js';

const DD = 'https://api.datadoghq.com';
const JSON_HEADERS = { 'Content-Type': 'application/json' };

const SENT = 'sum:ebg.email.sent{env:prod}.as_count()';
const FAILED = 'sum:ebg.email.failed{env:prod}.as_count()';
const LATENCY = 'avg:ebg.email.latency{env:prod}';

beforeAll(() => {
  nock.disableNetConnect();
});
afterEach(() => {
  nock.cleanAll();
});
afterAll(() => {
  nock.enableNetConnect();
});

function value(id: string, query: string, aggregator = 'sum', window = WINDOW): MetricRequest {
  return { id, query: { kind: 'value', query, aggregator }, window };
}
function ratio(id: string, numerator: string, denominator: string, window = WINDOW): MetricRequest {
  return { id, query: { kind: 'ratio', numerator, denominator }, window };
}

/** Intercepts one scalar request, capturing its body. */
function scalarOnce(answer: object, status = 200, headers: Record<string, string> = {}, host = DD) {
  const seen: { body?: unknown; headers?: Record<string, string | string[] | undefined> } = {};
  const scope = nock(host)
    .post('/api/v2/query/scalar', (body: unknown) => {
      seen.body = body;
      return true;
    })
    .reply(function (_uri, _body) {
      seen.headers = this.req.headers;
      return [status, answer, { ...JSON_HEADERS, ...headers }];
    });
  return { scope, seen };
}

describe('scalar batching and request bodies', () => {
  it('sends every value and ratio of one window in ONE request, numerator/denominator as sum queries', async () => {
    const { provider } = makeProvider();
    const { scope, seen } = scalarOnce(scalarAnswer({ a: [412], b: [9], c: [428], d: [1.5] }));
    const result = await provider.queryMany([
      value('sent', SENT),
      ratio('error_rate', FAILED, 'sum:ebg.email.delivered{env:prod}.as_count()'),
      value('latency', LATENCY, 'avg'),
    ]);
    expect(scope.isDone()).toBe(true);
    expect(seen.body).toEqual({
      data: {
        type: 'scalar_request',
        attributes: {
          from: FROM,
          to: TO,
          queries: [
            { name: 'a', data_source: 'metrics', query: SENT, aggregator: 'sum' },
            { name: 'b', data_source: 'metrics', query: FAILED, aggregator: 'sum' },
            {
              name: 'c',
              data_source: 'metrics',
              query: 'sum:ebg.email.delivered{env:prod}.as_count()',
              aggregator: 'sum',
            },
            { name: 'd', data_source: 'metrics', query: LATENCY, aggregator: 'avg' },
          ],
          formulas: [{ formula: 'a' }, { formula: 'b' }, { formula: 'c' }, { formula: 'd' }],
        },
      },
    });
    expect(seen.headers?.['dd-api-key']).toBe(API_KEY);
    expect(seen.headers?.['dd-application-key']).toBe(APP_KEY);
    expect(result).toEqual([
      { kind: 'value', value: 412 },
      { kind: 'ratio', value: 9 / 428, numerator: 9, denominator: 428 },
      { kind: 'value', value: 1.5 },
    ]);
  });

  it('asks the same query text once when two metrics share it in a window', async () => {
    const { provider } = makeProvider();
    const { seen } = scalarOnce(scalarAnswer({ a: [500], b: [5] }));
    const result = await provider.queryMany([value('sent', SENT), ratio('error_rate', FAILED, SENT)]);
    const attrs = (seen.body as { data: { attributes: { queries: unknown[] } } }).data.attributes;
    expect(attrs.queries).toEqual([
      { name: 'a', data_source: 'metrics', query: SENT, aggregator: 'sum' },
      { name: 'b', data_source: 'metrics', query: FAILED, aggregator: 'sum' },
    ]);
    expect(result).toEqual([
      { kind: 'value', value: 500 },
      { kind: 'ratio', value: 0.01, numerator: 5, denominator: 500 },
    ]);
  });

  it('makes one request per distinct window', async () => {
    const { provider } = makeProvider();
    const stage = { from: FROM - 3_600_000, to: TO };
    const bodies: unknown[] = [];
    const scope = nock(DD)
      .post('/api/v2/query/scalar', (b: unknown) => {
        bodies.push(b);
        return true;
      })
      .times(2)
      .reply(200, scalarAnswer({ a: [7] }), JSON_HEADERS);
    const result = await provider.queryMany([value('m15', SENT), value('stage', SENT, 'sum', stage)]);
    expect(scope.isDone()).toBe(true);
    const windows = bodies.map((b) => {
      const { from, to } = (b as { data: { attributes: { from: number; to: number } } }).data.attributes;
      return [from, to];
    });
    expect(windows.sort()).toEqual([
      [FROM - 3_600_000, TO],
      [FROM, TO],
    ]);
    expect(result).toEqual([
      { kind: 'value', value: 7 },
      { kind: 'value', value: 7 },
    ]);
  });

  it.each([
    ['ddog-gov.com', 'https://api.ddog-gov.com'],
    ['us5.datadoghq.com', 'https://api.us5.datadoghq.com'],
    ['datadoghq.eu', 'https://api.datadoghq.eu'],
  ] as const)('site %s sends to %s', async (site, host) => {
    const { provider } = makeProvider({ site });
    const { scope } = scalarOnce(scalarAnswer({ a: [1] }), 200, {}, host);
    expect(await provider.query({ kind: 'value', query: SENT, aggregator: 'sum' }, WINDOW)).toEqual({
      kind: 'value',
      value: 1,
    });
    expect(scope.isDone()).toBe(true);
  });

  it('baseUrl overrides the site', async () => {
    const { provider } = makeProvider({ site: 'ddog-gov.com', baseUrl: 'http://127.0.0.1:8126/' });
    const { scope } = scalarOnce(scalarAnswer({ a: [3] }), 200, {}, 'http://127.0.0.1:8126');
    expect(await provider.query({ kind: 'value', query: SENT, aggregator: 'sum' }, WINDOW)).toEqual({
      kind: 'value',
      value: 3,
    });
    expect(scope.isDone()).toBe(true);
  });

  it('answers an empty window and an unsupported aggregator without any request, in order', async () => {
    const { provider } = makeProvider();
    const result = await provider.queryMany([
      value('empty', SENT, 'sum', { from: FROM, to: FROM }),
      value('count', SENT, 'count'),
    ]);
    expect(result[0]).toEqual({ kind: 'no-data', reason: 'the window is empty (the stage has just begun)' });
    expect(result[1]).toMatchObject({ kind: 'error', code: 'E_PROVIDER_BAD_REQUEST' });
    expect(provider.stats()).toEqual({ requests: 0, errors: 0 });
  });
});

describe('reading scalar answers: no data is not zero', () => {
  it.each([
    [
      'value column with values: []',
      [value('v', SENT)],
      scalarAnswer({ a: [] }),
      [{ kind: 'no-data', reason: 'no data in the window' }],
    ],
    [
      'value column of nulls',
      [value('v', SENT)],
      scalarAnswer({ a: [null] }),
      [{ kind: 'no-data', reason: 'no data in the window' }],
    ],
    ['a zero is a value', [value('v', SENT)], scalarAnswer({ a: [0] }), [{ kind: 'value', value: 0 }]],
    [
      'empty numerator under a denominator → 0 events',
      [ratio('r', FAILED, SENT)],
      scalarAnswer({ a: [], b: [250] }),
      [{ kind: 'ratio', value: 0, numerator: 0, denominator: 250 }],
    ],
    [
      'empty denominator → no data',
      [ratio('r', FAILED, SENT)],
      scalarAnswer({ a: [3], b: [] }),
      [{ kind: 'no-data', reason: 'the denominator has no data in the window' }],
    ],
    [
      'denominator 0 → no data',
      [ratio('r', FAILED, SENT)],
      scalarAnswer({ a: [0], b: [0] }),
      [{ kind: 'no-data', reason: 'the denominator is 0' }],
    ],
    [
      'no columns at all → no data',
      [value('v', SENT)],
      { data: { type: 'scalar_response', attributes: { columns: [] } } },
      [{ kind: 'no-data', reason: 'Datadog returned no columns' }],
    ],
  ])('%s', async (_name, requests, answer, expected) => {
    const { provider } = makeProvider();
    scalarOnce(answer);
    expect(await provider.queryMany(requests)).toEqual(expected);
  });

  it('sums group rows of count queries, skipping null rows', async () => {
    const { provider } = makeProvider();
    scalarOnce(
      scalarAnswer(
        { a: [10, null, 5], b: [200, 100, 50] },
        { name: 'env', values: [['prod'], ['staging'], ['dev']] },
      ),
    );
    expect(await provider.queryMany([ratio('r', FAILED, `${SENT} by {env}`)])).toEqual([
      { kind: 'ratio', value: 15 / 350, numerator: 15, denominator: 350 },
    ]);
  });

  it('refuses to combine several groups of an avg query', async () => {
    const { provider } = makeProvider();
    scalarOnce(scalarAnswer({ a: [1, 3] }, { name: 'env', values: [['prod'], ['staging']] }));
    const [m] = await provider.queryMany([value('lat', `${LATENCY} by {env}`, 'avg')]);
    expect(m).toEqual({
      kind: 'error',
      code: 'E_PROVIDER_BAD_REQUEST',
      message:
        'the query returns 2 groups and avg values of groups cannot be combined: drop the "by {…}" clause or use sum, min or max',
    });
  });

  it('treats a partial answer (errors next to columns) as no data and warns', async () => {
    const { provider, logs } = makeProvider();
    scalarOnce({ ...scalarAnswer({ a: [3] }), errors: 'query timed out for some series' });
    expect(await provider.queryMany([value('v', SENT)])).toEqual([
      { kind: 'no-data', reason: 'partial answer from Datadog: query timed out for some series' },
    ]);
    expect(
      logs
        .entries()
        .filter((e) => e.level === 40)
        .map((e) => e.msg),
    ).toEqual(['datadog partial answer treated as no data']);
  });
});

describe('failures become error measurements', () => {
  it('400 reports Datadog errors text and is not retried', async () => {
    const { provider } = makeProvider();
    const { scope } = scalarOnce({ errors: ['Error parsing query: unexpected token "{"'] }, 400);
    const [m] = await provider.queryMany([value('v', 'sum:bad{{')]);
    expect(m).toEqual({
      kind: 'error',
      code: 'E_PROVIDER_BAD_REQUEST',
      message: 'Datadog rejected the metrics query (HTTP 400): Error parsing query: unexpected token "{"',
    });
    expect(scope.isDone()).toBe(true);
    expect(provider.stats()).toEqual({ requests: 1, errors: 1 });
  });

  it('retries 5xx with backoff and succeeds', async () => {
    const { provider } = makeProvider();
    const scope = nock(DD)
      .post('/api/v2/query/scalar')
      .reply(503, { errors: ['Service Unavailable'] }, JSON_HEADERS)
      .post('/api/v2/query/scalar')
      .reply(500, 'oops')
      .post('/api/v2/query/scalar')
      .reply(200, scalarAnswer({ a: [42] }), JSON_HEADERS);
    expect(await provider.queryMany([value('v', SENT)])).toEqual([{ kind: 'value', value: 42 }]);
    expect(scope.isDone()).toBe(true);
    expect(provider.stats()).toEqual({ requests: 3, errors: 2 });
  });

  it('gives up after maxRetries and reports Datadog unavailable', async () => {
    const { provider } = makeProvider({ maxRetries: 2 });
    const scope = nock(DD)
      .post('/api/v2/query/scalar')
      .times(3)
      .reply(502, { errors: ['Bad Gateway'] }, JSON_HEADERS);
    expect(await provider.queryMany([value('v', SENT), ratio('r', FAILED, SENT)])).toEqual([
      {
        kind: 'error',
        code: 'E_PROVIDER_UNREACHABLE',
        message: 'Datadog is unavailable (HTTP 502): Bad Gateway',
      },
      {
        kind: 'error',
        code: 'E_PROVIDER_UNREACHABLE',
        message: 'Datadog is unavailable (HTTP 502): Bad Gateway',
      },
    ]);
    expect(scope.isDone()).toBe(true);
  });

  it('reports a network error as unreachable, after retrying it', async () => {
    const { provider } = makeProvider({ maxRetries: 1 });
    // what undici throws when the connection is refused
    const refused = () =>
      new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect ECONNREFUSED 3.233.146.1:443'), { code: 'ECONNREFUSED' }),
      });
    const scope = nock(DD)
      .post('/api/v2/query/scalar')
      .replyWithError(refused())
      .post('/api/v2/query/scalar')
      .replyWithError(refused());
    const [m] = await provider.queryMany([value('v', SENT)]);
    expect(m).toEqual({
      kind: 'error',
      code: 'E_PROVIDER_UNREACHABLE',
      message: 'cannot reach Datadog: ECONNREFUSED',
    });
    expect(scope.isDone()).toBe(true);
    expect(provider.stats()).toEqual({ requests: 2, errors: 2 });
  });

  it('times out a request that takes longer than timeoutMs', async () => {
    const { provider } = makeProvider({ timeoutMs: 50, maxRetries: 0 });
    nock(DD)
      .post('/api/v2/query/scalar')
      .delay(1000)
      .reply(200, scalarAnswer({ a: [1] }), JSON_HEADERS);
    const [m] = await provider.queryMany([value('v', SENT)]);
    expect(m).toEqual({
      kind: 'error',
      code: 'E_PROVIDER_UNREACHABLE',
      message: 'Datadog metrics query timed out after 50 ms',
    });
  });

  it.each([
    ['an HTML page', '<html>proxy login</html>', 'text/html'],
    ['a JSON array', '[]', 'application/json'],
  ])('a 200 with %s is an error, not no data', async (_name, body, contentType) => {
    const { provider } = makeProvider();
    nock(DD).post('/api/v2/query/scalar').reply(200, body, { 'Content-Type': contentType });
    expect(await provider.queryMany([value('v', SENT)])).toEqual([
      {
        kind: 'error',
        code: 'E_PROVIDER_RESPONSE',
        message: 'Datadog answered HTTP 200 with a body that is not a JSON object',
      },
    ]);
  });

  it('a cancelled check is an error measurement, not a rejection', async () => {
    const { provider } = makeProvider();
    const controller = new AbortController();
    controller.abort();
    const [m] = await provider.queryMany([value('v', SENT)], controller.signal);
    expect(m).toEqual({
      kind: 'error',
      code: 'E_PROVIDER_UNREACHABLE',
      message: 'Datadog metrics query was cancelled',
    });
  });
});

describe('auth failures name the key at fault', () => {
  it('403 with a valid API key blames the application key and its permission', async () => {
    const { provider } = makeProvider();
    nock(DD)
      .post('/api/v2/query/scalar')
      .reply(403, { errors: ['Forbidden'] }, JSON_HEADERS)
      .get('/api/v1/validate')
      .reply(200, { valid: true }, JSON_HEADERS);
    const [m] = await provider.queryMany([value('v', SENT)]);
    expect(m).toEqual({
      kind: 'error',
      code: 'E_PROVIDER_AUTH',
      message:
        'Datadog accepted the API key but refused the application key (HTTP 403): check DD_APP_KEY: it must be a valid application key of the same organisation, with the timeseries_query permission',
    });
  });

  it('403 with an invalid API key blames the API key and the site', async () => {
    const { provider } = makeProvider({ site: 'ddog-gov.com' });
    nock('https://api.ddog-gov.com')
      .post('/api/v2/query/scalar')
      .reply(403, { errors: ['Forbidden'] }, JSON_HEADERS)
      .get('/api/v1/validate')
      .reply(403, { errors: ['Forbidden'] }, JSON_HEADERS);
    const [m] = await provider.queryMany([value('v', SENT)]);
    expect(m).toEqual({
      kind: 'error',
      code: 'E_PROVIDER_AUTH',
      message:
        'Datadog rejected the API key (HTTP 403): check DD_API_KEY and that it belongs to the organisation at https://api.ddog-gov.com (config: site / baseUrl)',
    });
  });

  it('probes the API key once per check even when several requests are refused', async () => {
    const { provider } = makeProvider();
    const scope = nock(DD)
      .post('/api/v2/query/scalar')
      .times(2)
      .reply(403, { errors: ['Forbidden'] }, JSON_HEADERS)
      .get('/api/v1/validate')
      .once()
      .reply(200, { valid: true }, JSON_HEADERS);
    const result = await provider.queryMany([
      value('a', SENT),
      value('b', SENT, 'sum', { from: FROM - 1000, to: TO }),
    ]);
    expect(result.map((m) => m.kind)).toEqual(['error', 'error']);
    expect(scope.isDone()).toBe(true);
  });

  it('without an answer from /api/v1/validate, 401 points at the API key', async () => {
    const { provider } = makeProvider({ maxRetries: 0 });
    nock(DD)
      .post('/api/v2/query/scalar')
      .reply(401, { errors: ['Unauthorized'] }, JSON_HEADERS)
      .get('/api/v1/validate')
      .reply(500, 'down');
    const [m] = await provider.queryMany([value('v', SENT)]);
    expect(m).toEqual({
      kind: 'error',
      code: 'E_PROVIDER_AUTH',
      message:
        'Datadog refused the request (HTTP 401), probably the API key: check DD_API_KEY and that it belongs to the organisation at https://api.datadoghq.com (config: site / baseUrl)',
    });
  });

  it('names the logs permission for a refused logs query', async () => {
    const { provider } = makeProvider();
    nock(DD)
      .post('/api/v2/logs/analytics/aggregate')
      .reply(403, { errors: ['Forbidden'] }, JSON_HEADERS)
      .get('/api/v1/validate')
      .reply(200, { valid: true }, JSON_HEADERS);
    const [m] = await provider.queryMany([
      {
        id: 'errors',
        query: {
          kind: 'events',
          source: 'logs',
          search: 'status:error',
          aggregation: 'count',
          facet: undefined,
        },
        window: WINDOW,
      },
    ]);
    expect((m as { message: string }).message).toContain('with the logs_read_data permission');
  });
});

describe('logs and RUM aggregates', () => {
  const SEARCH = 'service:vets-api @http.url_details.path:"/v0/vre/status" status:error';

  it('counts logs with one total compute and ms timestamps', async () => {
    const { provider } = makeProvider();
    let body: unknown;
    const scope = nock(DD)
      .post('/api/v2/logs/analytics/aggregate', (b: unknown) => {
        body = b;
        return true;
      })
      .reply(
        200,
        {
          data: { buckets: [{ by: {}, computes: { c0: 17 } }] },
          meta: { elapsed: 42, request_id: 'r1', status: 'done' },
        },
        JSON_HEADERS,
      );
    const [m] = await provider.queryMany([
      {
        id: 'errors',
        query: { kind: 'events', source: 'logs', search: SEARCH, aggregation: 'count', facet: undefined },
        window: WINDOW,
      },
    ]);
    expect(scope.isDone()).toBe(true);
    expect(body).toEqual({
      compute: [{ aggregation: 'count', type: 'total' }],
      filter: { query: SEARCH, from: String(FROM), to: String(TO) },
    });
    expect(m).toEqual({ kind: 'value', value: 17 });
  });

  it('counts unique RUM users with cardinality of @usr.id', async () => {
    const { provider } = makeProvider();
    let body: unknown;
    nock(DD)
      .post('/api/v2/rum/analytics/aggregate', (b: unknown) => {
        body = b;
        return true;
      })
      .reply(
        200,
        {
          data: { buckets: [{ by: {}, computes: { c0: 153 } }] },
          meta: { elapsed: 12, request_id: 'r2', status: 'done' },
        },
        JSON_HEADERS,
      );
    const [m] = await provider.queryMany([
      {
        id: 'users',
        query: {
          kind: 'events',
          source: 'rum',
          search: '@type:view @view.url_path:/careers-employment/*',
          aggregation: 'cardinality',
          facet: '@usr.id',
        },
        window: WINDOW,
      },
    ]);
    expect(body).toEqual({
      compute: [{ aggregation: 'cardinality', metric: '@usr.id', type: 'total' }],
      filter: {
        query: '@type:view @view.url_path:/careers-employment/*',
        from: String(FROM),
        to: String(TO),
      },
    });
    expect(m).toEqual({ kind: 'value', value: 153 });
  });

  it('an empty buckets list is no data, a timeout is no data with a warning', async () => {
    const { provider, logs } = makeProvider();
    nock(DD)
      .post('/api/v2/logs/analytics/aggregate')
      .reply(200, { data: { buckets: [] }, meta: { status: 'done' } }, JSON_HEADERS)
      .post('/api/v2/rum/analytics/aggregate')
      .reply(
        200,
        {
          data: { buckets: [{ by: {}, computes: { c0: 3 } }] },
          meta: {
            status: 'timeout',
            warnings: [{ code: 'unknown', title: 'Timeout', detail: 'the query took too long' }],
          },
        },
        JSON_HEADERS,
      );
    const result = await provider.queryMany([
      {
        id: 'logs',
        query: {
          kind: 'events',
          source: 'logs',
          search: 'status:error',
          aggregation: 'count',
          facet: undefined,
        },
        window: WINDOW,
      },
      {
        id: 'rum',
        query: {
          kind: 'events',
          source: 'rum',
          search: '@type:view',
          aggregation: 'count',
          facet: undefined,
        },
        window: WINDOW,
      },
    ]);
    expect(result).toEqual([
      { kind: 'no-data', reason: 'no logs data in the window' },
      {
        kind: 'no-data',
        reason: 'partial answer from Datadog (rum query timed out): the query took too long',
      },
    ]);
    expect(
      logs
        .entries()
        .filter((e) => e.level === 40)
        .map((e) => e.msg),
    ).toEqual(['datadog partial answer treated as no data']);
  });

  it('mixes scalar and events requests and answers in request order', async () => {
    const { provider } = makeProvider();
    nock(DD)
      .post('/api/v2/query/scalar')
      .reply(200, scalarAnswer({ a: [5], b: [100] }), JSON_HEADERS)
      .post('/api/v2/logs/analytics/aggregate')
      .reply(
        200,
        { data: { buckets: [{ by: {}, computes: { c0: 0 } }] }, meta: { status: 'done' } },
        JSON_HEADERS,
      );
    const result = await provider.queryMany([
      {
        id: 'logs',
        query: {
          kind: 'events',
          source: 'logs',
          search: 'status:error',
          aggregation: 'count',
          facet: undefined,
        },
        window: WINDOW,
      },
      ratio('r', FAILED, SENT),
    ]);
    expect(result).toEqual([
      { kind: 'value', value: 0 },
      { kind: 'ratio', value: 0.05, numerator: 5, denominator: 100 },
    ]);
  });
});
