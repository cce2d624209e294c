import type { v2 } from '@datadog/datadog-api-client';
import type { Measurement, TimeWindow } from '../../../ports/metrics-provider.js';
import type { EventsQuery } from './batch.js';

/*
 * Events metrics: a count of matching logs / RUM events, or the number of
 * distinct values of a facet (`cardinality` of `@usr.id` = unique users),
 * through POST /api/v2/logs/analytics/aggregate and
 * /api/v2/rum/analytics/aggregate with one `total` compute and no group-by.
 * Times go as millisecond timestamps in strings, which both endpoints accept.
 *
 * Answer: `data.buckets[].computes.c0`. Without a group-by Datadog answers one
 * bucket, holding 0 when nothing matched; an empty `buckets` list therefore
 * means it had nothing to say (no data), never zero. `meta.status: timeout`
 * is a partial answer: no data, with a warning.
 */

type EventsRequest = v2.LogsAggregateRequest & v2.RUMAggregateRequest;

export function buildEventsRequest(query: EventsQuery, window: TimeWindow): EventsRequest {
  return {
    compute: [
      query.aggregation === 'cardinality'
        ? { aggregation: 'cardinality', metric: query.facet, type: 'total' }
        : { aggregation: 'count', type: 'total' },
    ],
    filter: { query: query.search, from: String(window.from), to: String(window.to) },
  };
}

/** What both aggregate answers have in common. */
export interface EventsResponse {
  readonly data?: {
    readonly buckets?: ReadonlyArray<{ readonly computes?: { readonly [key: string]: unknown } }>;
  };
  readonly meta?: {
    readonly status?: unknown;
    readonly warnings?: ReadonlyArray<{ readonly title?: string; readonly detail?: string }>;
  };
}

export interface EventsRead {
  readonly measurement: Measurement;
  /** set when Datadog answered only partly: the caller logs it */
  readonly warning?: string;
}

export function readEventsResponse(response: EventsResponse, query: EventsQuery): EventsRead {
  if (response.meta?.status === 'timeout') {
    const detail = (response.meta.warnings ?? [])
      .map((w) => w.detail ?? w.title)
      .filter(Boolean)
      .join('; ');
    const reason = `partial answer from Datadog (${query.source} query timed out)${detail ? `: ${detail}` : ''}`;
    return { measurement: { kind: 'no-data', reason }, warning: reason };
  }
  const buckets = response.data?.buckets ?? [];
  if (!Array.isArray(buckets)) {
    return {
      measurement: {
        kind: 'error',
        code: 'E_PROVIDER_RESPONSE',
        message: `Datadog ${query.source} aggregate answered without a buckets list`,
      },
    };
  }
  if (buckets.length === 0) {
    return { measurement: { kind: 'no-data', reason: `no ${query.source} data in the window` } };
  }
  if (buckets.length > 1 && query.aggregation === 'cardinality') {
    // distinct counts of several buckets cannot be added: a user may be in two
    return {
      measurement: {
        kind: 'error',
        code: 'E_PROVIDER_RESPONSE',
        message: `expected one bucket for a cardinality without group-by, Datadog returned ${buckets.length}`,
      },
    };
  }
  let total = 0;
  for (const bucket of buckets) {
    const value = bucket.computes?.['c0'];
    if (typeof value !== 'number') {
      return {
        measurement: {
          kind: 'error',
          code: 'E_PROVIDER_RESPONSE',
          message: `Datadog ${query.source} aggregate answered without a numeric computes.c0`,
        },
      };
    }
    if (!Number.isFinite(value)) {
      return {
        measurement: {
          kind: 'error',
          code: 'E_PROVIDER_BAD_VALUE',
          message: `Datadog ${query.source} aggregate returned ${String(value)} for a count, which cannot be judged: a provider error, not a measurement`,
        },
      };
    }
    if (value < 0) {
      // a count of events or of distinct users cannot be negative: refuse it rather than judge it
      return {
        measurement: {
          kind: 'error',
          code: 'E_PROVIDER_BAD_VALUE',
          message: `Datadog ${query.source} aggregate returned ${value} for a count, which cannot be judged: a provider error, not a measurement`,
        },
      };
    }
    total += value;
  }
  return { measurement: { kind: 'value', value: total } };
}
