import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  canQueryTopValues,
  type TopValuesProvider,
  type TopValuesQuery,
} from '../../../../src/ports/metrics-provider.js';
import { readTopValuesResponse } from '../../../../src/providers/metrics/datadog/top-values.js';
import { FROM, TO, WINDOW, makeProvider } from './test-kit.js';

/*
 * "Types of errors logged": a logs/RUM aggregate with a count compute and a
 * group-by on the message facet, sorted by count. Payloads are Datadog's
 * (POST /api/v2/logs/analytics/aggregate with group_by; buckets carry `by`).
 */

const DD = 'https://api.datadoghq.com';
const JSON_HEADERS = { 'Content-Type': 'application/json' };
const QUERY: TopValuesQuery = {
  source: 'logs',
  search: 'service:vets-api status:error @feature:ebg',
  facet: '@error.message',
  limit: 5,
};

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

function topValuesProvider(opts: Parameters<typeof makeProvider>[0] = {}) {
  const made = makeProvider(opts);
  if (!canQueryTopValues(made.provider)) throw new Error('the Datadog provider must answer topValues');
  return { ...made, top: made.provider as typeof made.provider & TopValuesProvider };
}

describe('Datadog top values', () => {
  it('groups logs by the facet, sorted by count, descending, limited to `top`', async () => {
    const { top } = topValuesProvider();
    let body: unknown;
    const scope = nock(DD)
      .post('/api/v2/logs/analytics/aggregate', (b: unknown) => {
        body = b;
        return true;
      })
      .reply(
        200,
        {
          data: {
            buckets: [
              { by: { '@error.message': 'Net::ReadTimeout' }, computes: { c0: 41 } },
              { by: { '@error.message': 'VANotify 400: template not found' }, computes: { c0: 7 } },
            ],
          },
          meta: { elapsed: 30, request_id: 'r1', status: 'done' },
        },
        JSON_HEADERS,
      );
    const answer = await top.topValues(QUERY, WINDOW);
    expect(scope.isDone()).toBe(true);
    expect(body).toEqual({
      compute: [{ aggregation: 'count', type: 'total' }],
      filter: { query: QUERY.search, from: String(FROM), to: String(TO) },
      group_by: [
        { facet: '@error.message', limit: 5, sort: { aggregation: 'count', order: 'desc', type: 'measure' } },
      ],
    });
    expect(answer).toEqual({
      kind: 'values',
      values: [
        { value: 'Net::ReadTimeout', count: 41 },
        { value: 'VANotify 400: template not found', count: 7 },
      ],
    });
  });

  it('asks the RUM endpoint for rum searches', async () => {
    const { top } = topValuesProvider();
    const scope = nock(DD)
      .post('/api/v2/rum/analytics/aggregate')
      .reply(200, { data: { buckets: [] }, meta: { status: 'done' } }, JSON_HEADERS);
    expect(await top.topValues({ ...QUERY, source: 'rum', search: '@type:error' }, WINDOW)).toEqual({
      kind: 'values',
      values: [],
    });
    expect(scope.isDone()).toBe(true);
  });

  it('turns an outage into an error answer, never a rejection', async () => {
    const { top } = topValuesProvider({ maxRetries: 0 });
    nock(DD)
      .post('/api/v2/logs/analytics/aggregate')
      .reply(503, { errors: ['down'] }, JSON_HEADERS);
    const answer = await top.topValues(QUERY, WINDOW);
    expect(answer).toMatchObject({ kind: 'error', code: 'E_PROVIDER_UNREACHABLE' });
  });
});

describe('readTopValuesResponse', () => {
  const cases: { name: string; response: object; expected: ReturnType<typeof readTopValuesResponse> }[] = [
    {
      name: 'no buckets: nothing matched',
      response: { data: { buckets: [] } },
      expected: { ok: true, values: [] },
    },
    {
      name: 'numeric facet values become text; buckets without the facet are skipped',
      response: {
        data: {
          buckets: [
            { by: { '@error.message': 500 }, computes: { c0: 3 } },
            { by: {}, computes: { c0: 9 } },
          ],
        },
      },
      expected: { ok: true, values: [{ value: '500', count: 3 }] },
    },
    {
      name: 'sorted by count then text, cut to the limit, whatever order the server used',
      response: {
        data: {
          buckets: [1, 2, 3, 4, 5, 6].map((n) => ({
            by: { '@error.message': `e${n % 3}-${n}` },
            computes: { c0: n % 3 },
          })),
        },
      },
      expected: {
        ok: true,
        values: [
          { value: 'e2-2', count: 2 },
          { value: 'e2-5', count: 2 },
          { value: 'e1-1', count: 1 },
          { value: 'e1-4', count: 1 },
          { value: 'e0-3', count: 0 },
        ],
      },
    },
    {
      name: 'a timeout is a partial answer, not a list',
      response: { data: { buckets: [] }, meta: { status: 'timeout' } },
      expected: { ok: false, reason: 'partial answer from Datadog (logs query timed out)' },
    },
    {
      name: 'a bucket without a numeric count is not understood',
      response: { data: { buckets: [{ by: { '@error.message': 'x' }, computes: {} }] } },
      expected: { ok: false, reason: 'Datadog logs aggregate answered without a numeric computes.c0' },
    },
  ];
  it.each(cases)('$name', ({ response, expected }) => {
    expect(readTopValuesResponse(response, QUERY)).toEqual(expected);
  });
});
