import { describe, expect, it } from 'vitest';
import {
  createApis,
  createAuthApi,
  type ApiSettings,
} from '../../../../src/providers/metrics/datadog/apis.js';
import { staticSecret } from '../../../../src/secrets/secret-source.js';

/* The configured API classes (src/providers/metrics/datadog/apis.ts), through a recording fetch. */

interface Sent {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
}

function settings(overrides: Partial<ApiSettings>, answer: unknown) {
  const sent: Sent[] = [];
  const statuses: number[] = [];
  const fetchFn = (async (url: string | URL, init?: RequestInit) => {
    sent.push({
      url: String(url),
      method: init?.method ?? 'GET',
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
    });
    return new Response(JSON.stringify(answer), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof fetch;
  const s: ApiSettings = {
    site: 'datadoghq.com',
    baseUrl: undefined,
    keys: { api: staticSecret('the-api-key', 'DD_API_KEY'), app: staticSecret('the-app-key', 'DD_APP_KEY') },
    fetch: fetchFn,
    timeoutMs: 2000,
    observer: { onResponse: (status) => statuses.push(status), onNoResponse: () => undefined },
    ...overrides,
  };
  return { s, sent, statuses };
}

const scalarBody = {
  data: {
    type: 'scalar_request' as const,
    attributes: {
      from: 1,
      to: 2,
      queries: [{ name: 'a', dataSource: 'metrics' as const, query: 'sum:x{*}', aggregator: 'sum' as const }],
    },
  },
};

describe('createApis', () => {
  it('sends to https://api.<site> with both keys, through our transport and its observer', async () => {
    const { s, sent, statuses } = settings(
      { site: 'datadoghq.eu' },
      { data: { attributes: { columns: [] } } },
    );
    const apis = await createApis(s);
    await apis.metrics.queryScalarData({ body: scalarBody });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.url).toBe('https://api.datadoghq.eu/api/v2/query/scalar');
    expect(sent[0]?.headers).toMatchObject({
      'dd-api-key': 'the-api-key',
      'dd-application-key': 'the-app-key',
    });
    expect(statuses).toEqual([200]);
  });

  it('a base URL replaces the site', async () => {
    const { s, sent } = settings({ baseUrl: 'http://127.0.0.1:8126' }, { data: { buckets: [] } });
    const apis = await createApis(s);
    await apis.logs.aggregateLogs({ body: { compute: [{ aggregation: 'count' }], filter: { query: '*' } } });
    expect(sent.map((r) => [r.method, r.url])).toEqual([
      ['POST', 'http://127.0.0.1:8126/api/v2/logs/analytics/aggregate'],
    ]);
  });
});

describe('createAuthApi', () => {
  it('validates the API key on the same configuration', async () => {
    const { s, sent } = settings({ baseUrl: 'http://127.0.0.1:8126' }, { valid: true });
    const auth = await createAuthApi(createApis(s));
    expect(await auth.validate()).toEqual({ valid: true });
    expect(sent.map((r) => [r.method, r.url])).toEqual([['GET', 'http://127.0.0.1:8126/api/v1/validate']]);
  });
});
