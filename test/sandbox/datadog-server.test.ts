import { afterEach, describe, expect, it } from 'vitest';
import { canQueryTopValues } from '../../src/ports/metrics-provider.js';
import { createMetricsProvider } from '../../src/providers/metrics/factory.js';
import { startDatadogSandbox, type DatadogSandbox } from '../../src/sandbox/datadog-server.js';
import { eventsKey } from '../../src/sandbox/scenario.js';

const SENT = 'sum:ebg.email.sent{env:prod}.as_count()';
const FAILED = 'sum:ebg.email.failed{env:prod}.as_count()';
const T0 = 1_750_000_000_000;
const W = { from: T0, to: T0 + 600_000 }; // 10 minutes
const KEYS = { 'DD-API-KEY': 'sandbox-api', 'DD-APPLICATION-KEY': 'sandbox-app' };

let sandbox: DatadogSandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function start(opts: Parameters<typeof startDatadogSandbox>[0] = {}): Promise<DatadogSandbox> {
  sandbox = await startDatadogSandbox(opts);
  return sandbox;
}

function providerFor(url: string, overrides: { timeoutMs?: number; maxRetries?: number } = {}) {
  return createMetricsProvider(
    'datadog',
    {
      type: 'datadog',
      site: 'datadoghq.com',
      baseUrl: url,
      timeoutMs: overrides.timeoutMs ?? 2000,
      maxRetries: overrides.maxRetries ?? 2,
    },
    { env: { DD_API_KEY: 'sandbox-api', DD_APP_KEY: 'sandbox-app' }, minRetryDelayMs: 1, maxRetryDelayMs: 2 },
  );
}

async function post(url: string, body: unknown, headers: Record<string, string> = KEYS) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as unknown };
}

const scalarRequest = (queries: Array<{ name: string; query: string; aggregator?: string }>, window = W) => ({
  data: {
    type: 'scalar_request',
    attributes: {
      from: window.from,
      to: window.to,
      queries: queries.map((q) => ({ data_source: 'metrics', aggregator: 'sum', ...q })),
      formulas: queries.map((q) => ({ formula: q.name })),
    },
  },
});

describe('Datadog sandbox HTTP API', () => {
  it('answers scalar queries with Datadog-shaped columns and rate-limit headers', async () => {
    const dd = await start({ series: { [SENT]: { perSecond: 2 }, [FAILED]: null } });
    const res = await post(
      `${dd.url}/api/v2/query/scalar`,
      scalarRequest([
        { name: 'a', query: SENT },
        { name: 'b', query: FAILED },
      ]),
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: {
        type: 'scalar_response',
        attributes: {
          columns: [
            { name: 'a', type: 'number', values: [1200], meta: { unit: null } },
            { name: 'b', type: 'number', values: [], meta: { unit: null } },
          ],
        },
      },
    });
    expect(res.headers.get('x-ratelimit-name')).toBe('metrics_query');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('99999');
    expect(dd.requestCount).toBe(1);
    expect(dd.requestCountFor('scalar')).toBe(1);
    expect(dd.requests[0]).toMatchObject({ endpoint: 'scalar', method: 'POST', status: 200 });
  });

  it('answers grouped series with a group column', async () => {
    const dd = await start({
      series: { [`${SENT} by {env}`]: { groups: { prod: { perSecond: 1 }, staging: null } } },
    });
    const res = await post(
      `${dd.url}/api/v2/query/scalar`,
      scalarRequest([{ name: 'a', query: `${SENT} by {env}` }]),
    );
    expect(res.body).toEqual({
      data: {
        type: 'scalar_response',
        attributes: {
          columns: [
            { name: 'env', type: 'group', values: [['prod'], ['staging']] },
            { name: 'a', type: 'number', values: [600, null], meta: { unit: null } },
          ],
        },
      },
    });
  });

  it.each([
    [{}, 401, { errors: ['Unauthorized'] }],
    [{ 'DD-API-KEY': 'sandbox-api' }, 401, { errors: ['Unauthorized'] }],
    [{ 'DD-API-KEY': 'other', 'DD-APPLICATION-KEY': 'sandbox-app' }, 403, { errors: ['Forbidden'] }],
    [{ 'DD-API-KEY': 'sandbox-api', 'DD-APPLICATION-KEY': 'other' }, 403, { errors: ['Forbidden'] }],
  ])('checks the key headers: %o → %i', async (headers, status, body) => {
    const dd = await start({ keys: { apiKey: 'sandbox-api', appKey: 'sandbox-app' } });
    const res = await post(
      `${dd.url}/api/v2/query/scalar`,
      scalarRequest([{ name: 'a', query: SENT }]),
      headers,
    );
    expect([res.status, res.body]).toEqual([status, body]);
    expect(dd.requestCount).toBe(1);
  });

  it('refuses bad bodies and formulas it cannot evaluate, like Datadog, with an errors list', async () => {
    const dd = await start();
    const bad = await post(`${dd.url}/api/v2/query/scalar`, {
      data: { type: 'scalar_request', attributes: { from: 2, to: 1, queries: [] } },
    });
    expect(bad.status).toBe(400);
    const formula = scalarRequest([{ name: 'a', query: SENT }]);
    formula.data.attributes.formulas = [{ formula: 'a * 100' }];
    expect((await post(`${dd.url}/api/v2/query/scalar`, formula)).body).toEqual({
      errors: ['the sandbox only evaluates formulas naming one query, got "a * 100"'],
    });
    const missing = await fetch(`${dd.url}/api/v1/nothing`, { headers: KEYS });
    expect(missing.status).toBe(404);
  });

  it('answers logs and RUM aggregates with buckets; no series → empty buckets', async () => {
    const dd = await start({
      series: {
        [eventsKey('logs', 'status:error')]: { perSecond: 0.1 },
        [eventsKey('rum', '@type:view', 'cardinality', '@usr.id')]: { perSecond: 0.25 },
      },
    });
    const agg = (aggregation: string, query: string, metric?: string) => ({
      compute: [{ aggregation, type: 'total', ...(metric ? { metric } : {}) }],
      filter: { query, from: String(W.from), to: String(W.to) },
    });
    const logs = await post(`${dd.url}/api/v2/logs/analytics/aggregate`, agg('count', 'status:error'));
    expect(logs.body).toMatchObject({
      data: { buckets: [{ by: {}, computes: { c0: 60 } }] },
      meta: { status: 'done' },
    });
    const users = await post(
      `${dd.url}/api/v2/rum/analytics/aggregate`,
      agg('cardinality', '@type:view', '@usr.id'),
    );
    expect(users.body).toMatchObject({ data: { buckets: [{ by: {}, computes: { c0: 150 } }] } });
    const none = await post(`${dd.url}/api/v2/rum/analytics/aggregate`, agg('count', '@type:action'));
    expect(none.body).toMatchObject({ data: { buckets: [] } });
    expect(dd.requestCountFor('logs')).toBe(1);
    expect(dd.requestCountFor('rum')).toBe(2);
  });

  it('answers a count grouped by a facet with one bucket per group, by count, cut to the limit', async () => {
    const dd = await start({
      series: {
        [eventsKey('logs', 'status:error')]: {
          groups: {
            'Net::ReadTimeout': { perSecond: 0.05 },
            'template not found': { perSecond: 0.01 },
            'rare but present': { perSecond: 0.002 },
            'never in this window': null,
          },
        },
      },
    });
    const groupBy = [
      { facet: '@error.message', limit: 2, sort: { aggregation: 'count', order: 'desc', type: 'measure' } },
    ];
    const grouped = await post(`${dd.url}/api/v2/logs/analytics/aggregate`, {
      compute: [{ aggregation: 'count', type: 'total' }],
      filter: { query: 'status:error', from: String(W.from), to: String(W.to) },
      group_by: groupBy,
    });
    expect(grouped.status).toBe(200);
    expect((grouped.body as { data: unknown }).data).toEqual({
      buckets: [
        { by: { '@error.message': 'Net::ReadTimeout' }, computes: { c0: 30 } },
        { by: { '@error.message': 'template not found' }, computes: { c0: 6 } },
      ],
    });
    // without group_by the groups add up, like the total of a Datadog search
    const total = await post(`${dd.url}/api/v2/logs/analytics/aggregate`, {
      compute: [{ aggregation: 'count', type: 'total' }],
      filter: { query: 'status:error', from: String(W.from), to: String(W.to) },
    });
    expect((total.body as { data: unknown }).data).toEqual({ buckets: [{ by: {}, computes: { c0: 37 } }] });
    // the real provider reads it
    const provider = providerFor(dd.url);
    if (!canQueryTopValues(provider)) throw new Error('expected topValues');
    expect(
      await provider.topValues(
        { source: 'logs', search: 'status:error', facet: '@error.message', limit: 5 },
        W,
      ),
    ).toEqual({
      kind: 'values',
      values: [
        { value: 'Net::ReadTimeout', count: 30 },
        { value: 'template not found', count: 6 },
        { value: 'rare but present', count: 1 },
      ],
    });
  });

  it('enforces a rate-limit budget with 429 and X-RateLimit-* headers', async () => {
    let now = T0 + 1_000; // 1 s into a 10 s period
    const dd = await start({ rateLimit: { limit: 2, periodSeconds: 10 }, now: () => now });
    const body = scalarRequest([{ name: 'a', query: SENT }]);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(`${dd.url}/api/v2/query/scalar`, body)).status);
    expect(statuses).toEqual([200, 200, 429]);
    const throttled = await post(`${dd.url}/api/v2/query/scalar`, body);
    expect(throttled.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(throttled.headers.get('x-ratelimit-reset')).toBe('9');
    expect(throttled.headers.get('x-ratelimit-limit')).toBe('2');
    expect(throttled.headers.get('x-ratelimit-period')).toBe('10');
    now += 9_000; // next period
    expect((await post(`${dd.url}/api/v2/query/scalar`, body)).status).toBe(200);
  });
});

describe('injected faults', () => {
  it('a 429 period: rate-limit headers with the given reset until it ends', async () => {
    let now = T0;
    const dd = await start({ now: () => now, series: { [SENT]: { perSecond: 1 } } });
    dd.injectFault({ status: 429, until: T0 + 5000, resetSeconds: 5, endpoint: 'scalar' });
    const body = scalarRequest([{ name: 'a', query: SENT }]);
    const throttled = await post(`${dd.url}/api/v2/query/scalar`, body);
    expect([throttled.status, throttled.body]).toEqual([429, { errors: ['Too many requests'] }]);
    expect(throttled.headers.get('x-ratelimit-reset')).toBe('5');
    expect(throttled.headers.get('x-ratelimit-remaining')).toBe('0');
    now = T0 + 4999;
    expect((await post(`${dd.url}/api/v2/query/scalar`, body)).status).toBe(429);
    now = T0 + 5000;
    expect((await post(`${dd.url}/api/v2/query/scalar`, body)).status).toBe(200);
  });

  it('faults can target one endpoint and a number of requests', async () => {
    const dd = await start();
    dd.injectFault({ status: 500, times: 1, endpoint: 'logs' });
    const agg = {
      compute: [{ aggregation: 'count', type: 'total' }],
      filter: { query: '*', from: '0', to: '1000' },
    };
    expect((await post(`${dd.url}/api/v2/rum/analytics/aggregate`, agg)).status).toBe(200);
    expect((await post(`${dd.url}/api/v2/logs/analytics/aggregate`, agg)).status).toBe(500);
    expect((await post(`${dd.url}/api/v2/logs/analytics/aggregate`, agg)).status).toBe(200);
  });
});

describe('the real provider against the sandbox', () => {
  it('default_zero(query) reads the wrapped series, and no data as 0, like Datadog', async () => {
    const CALLS = 'sum:va.contact_center.calls{topic:ebg}.as_count()';
    const dd = await start({ series: { [SENT]: { perSecond: 1 } } });
    const provider = providerFor(dd.url);
    const q = (query: string) =>
      ({ id: query, query: { kind: 'value', query, aggregator: 'sum' }, window: W }) as const;
    expect(
      await provider.queryMany([q(CALLS), q(`default_zero(${CALLS})`), q(`default_zero(${SENT})`)]),
    ).toEqual([
      { kind: 'no-data', reason: 'no data in the window' },
      { kind: 'value', value: 0 },
      { kind: 'value', value: 600 },
    ]);
  });

  it('reads values and ratios, and follows series changed at runtime', async () => {
    const dd = await start({ series: { [SENT]: { perSecond: 2 }, [FAILED]: { perSecond: 0.02 } } });
    const provider = providerFor(dd.url);
    const requests = [
      { id: 'sent', query: { kind: 'value', query: SENT, aggregator: 'sum' }, window: W },
      { id: 'error_rate', query: { kind: 'ratio', numerator: FAILED, denominator: SENT }, window: W },
    ] as const;
    const before = await provider.queryMany(requests);
    expect(before[0]).toEqual({ kind: 'value', value: 1200 });
    expect(before[1]).toMatchObject({ kind: 'ratio', numerator: 12, denominator: 1200 });
    expect((before[1] as { value: number }).value).toBeCloseTo(0.01, 12);
    expect(dd.requestCount).toBe(1); // one scalar request for both metrics

    dd.setSeries(FAILED, { perSecond: 0.2 });
    expect((await provider.queryMany(requests))[1]).toMatchObject({
      kind: 'ratio',
      numerator: 120,
      denominator: 1200,
    });
    dd.setSeries(FAILED, null);
    expect((await provider.queryMany(requests))[1]).toEqual({
      kind: 'ratio',
      value: 0,
      numerator: 0,
      denominator: 1200,
    });
    dd.deleteSeries(SENT);
    expect(await provider.queryMany(requests)).toEqual([
      { kind: 'no-data', reason: 'no data in the window' },
      { kind: 'no-data', reason: 'the denominator has no data in the window' },
    ]);
    expect(provider.rateLimit()).toMatchObject({ name: 'metrics_query', limit: 100_000 });
  });

  it('retries through injected 503s and counts every request', async () => {
    const dd = await start({ series: { [SENT]: { perSecond: 1 } } });
    dd.injectFault({ status: 503, times: 2, endpoint: 'scalar' });
    const provider = providerFor(dd.url);
    expect(await provider.query({ kind: 'value', query: SENT, aggregator: 'sum' }, W)).toEqual({
      kind: 'value',
      value: 600,
    });
    expect(dd.requestCount).toBe(3);
    expect(dd.requests.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(provider.stats()).toEqual({ requests: 3, errors: 2 });
  });

  it('an outage until cleared is an error measurement after the retries', async () => {
    const dd = await start({ series: { [SENT]: { perSecond: 1 } } });
    dd.injectFault({ status: 500, errors: ['Internal Server Error'] });
    const provider = providerFor(dd.url, { maxRetries: 1 });
    expect(await provider.query({ kind: 'value', query: SENT, aggregator: 'sum' }, W)).toEqual({
      kind: 'error',
      code: 'E_PROVIDER_UNREACHABLE',
      message: 'Datadog is unavailable (HTTP 500): Internal Server Error',
    });
    dd.clearFaults();
    expect(await provider.query({ kind: 'value', query: SENT, aggregator: 'sum' }, W)).toEqual({
      kind: 'value',
      value: 600,
    });
  });

  it('a slow answer times out', async () => {
    const dd = await start({ series: { [SENT]: { perSecond: 1 } } });
    dd.injectFault({ delayMs: 500, times: 1 });
    const provider = providerFor(dd.url, { timeoutMs: 100, maxRetries: 0 });
    expect(await provider.query({ kind: 'value', query: SENT, aggregator: 'sum' }, W)).toEqual({
      kind: 'error',
      code: 'E_PROVIDER_UNREACHABLE',
      message: 'Datadog metrics query timed out after 100 ms',
    });
  });

  it('a closed port is unreachable (ECONNREFUSED)', async () => {
    const dd = await start();
    const url = dd.url;
    await dd.close();
    sandbox = undefined;
    const provider = providerFor(url, { maxRetries: 0 });
    expect(await provider.query({ kind: 'value', query: SENT, aggregator: 'sum' }, W)).toEqual({
      kind: 'error',
      code: 'E_PROVIDER_UNREACHABLE',
      message: 'cannot reach Datadog: ECONNREFUSED',
    });
  });

  it('names the application key when the sandbox refuses it', async () => {
    const dd = await start({ keys: { apiKey: 'sandbox-api', appKey: 'the-real-app-key' } });
    const provider = providerFor(dd.url);
    const m = await provider.query({ kind: 'value', query: SENT, aggregator: 'sum' }, W);
    expect(m).toMatchObject({ kind: 'error', code: 'E_PROVIDER_AUTH' });
    expect((m as { message: string }).message).toMatch(
      /^Datadog accepted the API key but refused the application key \(HTTP 403\)/,
    );
    expect(dd.requestCountFor('validate')).toBe(1);
  });
});
