import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { v2 } from '@datadog/datadog-api-client';
import type { MetricRequest } from '../../../../src/ports/metrics-provider.js';
import { planRequests } from '../../../../src/providers/metrics/datadog/batch.js';
import { readEventsResponse } from '../../../../src/providers/metrics/datadog/events.js';
import { readScalarResponse, scalarMeasurements } from '../../../../src/providers/metrics/datadog/scalar.js';
import { WINDOW, makeProvider } from './test-kit.js';

/*
 * A negative or non-finite count from Datadog is a provider error
 * (E_PROVIDER_BAD_VALUE), never a ratio or a value the engine would judge:
 * a ratio of -5 / 100 reads as "0 % errors", healthy, and would advance.
 */

const DD = 'https://api.datadoghq.com';
const ratio: MetricRequest = {
  id: 'r',
  query: { kind: 'ratio', numerator: 'sum:err{*}.as_count()', denominator: 'sum:all{*}.as_count()' },
  window: WINDOW,
};
const count: MetricRequest = {
  id: 'c',
  query: { kind: 'value', query: 'sum:sent{*}.as_count()', aggregator: 'sum' },
  window: WINDOW,
};
const latency: MetricRequest = {
  id: 'l',
  query: { kind: 'value', query: 'avg:latency{*}', aggregator: 'avg' },
  window: WINDOW,
};

function measure(request: MetricRequest, columns: Record<string, unknown[]>) {
  const [batch] = planRequests([request]).scalar;
  if (!batch) throw new Error('no batch');
  const response = {
    data: {
      type: 'scalar_response',
      attributes: {
        columns: Object.entries(columns).map(([name, values]) => ({ name, type: 'number', values })),
      },
    },
  } as v2.ScalarFormulaQueryResponse;
  return scalarMeasurements(
    batch,
    readScalarResponse(
      response,
      batch.queries.map((q) => q.name),
    ),
  ).get(0);
}

describe('bad values from the scalar API', () => {
  it.each([
    ['a negative numerator', ratio, { a: [-5], b: [100] }],
    ['a negative denominator', ratio, { a: [1], b: [-100] }],
    ['an infinite denominator', ratio, { a: [1], b: [Number.POSITIVE_INFINITY] }],
    ['a NaN numerator', ratio, { a: [Number.NaN], b: [100] }],
    ['a string where a number belongs', ratio, { a: ['12'], b: [100] }],
    ['a negative count', count, { a: [-3] }],
    ['an infinite value', latency, { a: [Number.POSITIVE_INFINITY] }],
  ])('%s is E_PROVIDER_BAD_VALUE', (_what, request, columns) => {
    expect(measure(request, columns)).toMatchObject({ kind: 'error', code: 'E_PROVIDER_BAD_VALUE' });
  });

  it('sane values still measure, and a negative gauge is a value', () => {
    expect(measure(ratio, { a: [5], b: [100] })).toEqual({
      kind: 'ratio',
      value: 0.05,
      numerator: 5,
      denominator: 100,
    });
    expect(measure(latency, { a: [-2] })).toEqual({ kind: 'value', value: -2 });
  });
});

describe('bad values from the events APIs', () => {
  const logs = {
    kind: 'events',
    source: 'logs',
    search: 'status:error',
    aggregation: 'count',
    facet: undefined,
  } as const;
  it.each([
    ['negative', -1],
    ['infinite', Number.POSITIVE_INFINITY],
  ])('a %s count is E_PROVIDER_BAD_VALUE', (_what, c0) => {
    expect(readEventsResponse({ data: { buckets: [{ computes: { c0 } }] } }, logs).measurement).toMatchObject(
      {
        kind: 'error',
        code: 'E_PROVIDER_BAD_VALUE',
      },
    );
  });
});

describe('end to end', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  it('an answer with 1e999 (Infinity once parsed) and a negative count is two provider errors', async () => {
    const { provider } = makeProvider();
    const body =
      '{"data":{"type":"scalar_response","attributes":{"columns":[' +
      '{"name":"a","type":"number","values":[-7]},{"name":"b","type":"number","values":[1e999]}]}}}';
    nock(DD).post('/api/v2/query/scalar').reply(200, body, { 'Content-Type': 'application/json' });
    const [r] = await provider.queryMany([ratio]);
    expect(r).toMatchObject({ kind: 'error', code: 'E_PROVIDER_BAD_VALUE' });
  });
});
