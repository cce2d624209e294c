import { describe, expect, it } from 'vitest';
import { readEventsResponse, type EventsResponse } from '../../../../src/providers/metrics/datadog/events.js';
import type { EventsQuery } from '../../../../src/providers/metrics/datadog/batch.js';

/* Pure reader of Datadog events answers (the provider tests cover it end to end through nock). */

describe('readEventsResponse', () => {
  const count: EventsQuery = {
    kind: 'events',
    source: 'logs',
    search: 'status:error',
    aggregation: 'count',
    facet: undefined,
  };
  const users: EventsQuery = {
    kind: 'events',
    source: 'rum',
    search: '@type:view',
    aggregation: 'cardinality',
    facet: '@usr.id',
  };
  it.each([
    [
      'one bucket',
      count,
      { data: { buckets: [{ by: {}, computes: { c0: 12 } }] } },
      { kind: 'value', value: 12 },
    ],
    [
      'zero is a value',
      count,
      { data: { buckets: [{ by: {}, computes: { c0: 0 } }] } },
      { kind: 'value', value: 0 },
    ],
    [
      'empty buckets',
      count,
      { data: { buckets: [] } },
      { kind: 'no-data', reason: 'no logs data in the window' },
    ],
    ['no data object', users, {}, { kind: 'no-data', reason: 'no rum data in the window' }],
    [
      'several count buckets are added',
      count,
      { data: { buckets: [{ computes: { c0: 2 } }, { computes: { c0: 3 } }] } },
      { kind: 'value', value: 5 },
    ],
    [
      'several cardinality buckets cannot be added',
      users,
      { data: { buckets: [{ computes: { c0: 2 } }, { computes: { c0: 3 } }] } },
      {
        kind: 'error',
        code: 'E_PROVIDER_RESPONSE',
        message: 'expected one bucket for a cardinality without group-by, Datadog returned 2',
      },
    ],
    [
      'buckets that are not a list',
      count,
      { data: { buckets: 'x' } },
      {
        kind: 'error',
        code: 'E_PROVIDER_RESPONSE',
        message: 'Datadog logs aggregate answered without a buckets list',
      },
    ],
    [
      'a timeseries instead of a number',
      count,
      { data: { buckets: [{ computes: { c0: [{ time: 't', value: 1 }] } }] } },
      {
        kind: 'error',
        code: 'E_PROVIDER_RESPONSE',
        message: 'Datadog logs aggregate answered without a numeric computes.c0',
      },
    ],
  ] as const)('%s', (_name, query, response, expected) => {
    const read = readEventsResponse(response as EventsResponse, query);
    expect(read.measurement).toEqual(expected);
    expect(read.warning).toBeUndefined();
  });

  it('a timeout is no data with a warning', () => {
    const read = readEventsResponse(
      { meta: { status: 'timeout' }, data: { buckets: [{ computes: { c0: 1 } }] } },
      count,
    );
    expect(read).toEqual({
      measurement: { kind: 'no-data', reason: 'partial answer from Datadog (logs query timed out)' },
      warning: 'partial answer from Datadog (logs query timed out)',
    });
  });
});
