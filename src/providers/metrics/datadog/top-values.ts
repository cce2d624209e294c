import type { v2 } from '@datadog/datadog-api-client';
import type { TimeWindow, TopValue, TopValuesQuery } from '../../../ports/metrics-provider.js';
import type { EventsResponse } from './events.js';

/*
 * "Types of errors logged": the most frequent values of a facet among
 * matching logs / RUM events, through the same aggregate endpoints as events
 * metrics (POST /api/v2/{logs,rum}/analytics/aggregate) with one count compute
 * and a group-by on the facet, sorted by that count, descending, `limit`
 * buckets. `sort.type: measure` is what makes Datadog order by the compute;
 * its default, `alphabetical`, orders by the facet value.
 *
 * Answer: one bucket per value, `by: { "<facet>": value }` and
 * `computes.c0` its count. No buckets is "nothing matched" (an empty list,
 * not an error); `meta.status: timeout` is a partial answer, reported as one.
 */

type AggregateRequest = v2.LogsAggregateRequest & v2.RUMAggregateRequest;

export function buildTopValuesRequest(q: TopValuesQuery, window: TimeWindow): AggregateRequest {
  return {
    compute: [{ aggregation: 'count', type: 'total' }],
    filter: { query: q.search, from: String(window.from), to: String(window.to) },
    groupBy: [
      {
        facet: q.facet,
        limit: q.limit,
        sort: { aggregation: 'count', order: 'desc', type: 'measure' },
      },
    ],
  };
}

export type TopValuesRead =
  { readonly ok: true; readonly values: TopValue[] } | { readonly ok: false; readonly reason: string };

interface GroupedBucket {
  readonly by?: { readonly [facet: string]: unknown };
  readonly computes?: { readonly [key: string]: unknown };
}

export function readTopValuesResponse(response: EventsResponse, q: TopValuesQuery): TopValuesRead {
  if (response.meta?.status === 'timeout') {
    return { ok: false, reason: `partial answer from Datadog (${q.source} query timed out)` };
  }
  const buckets: unknown = response.data?.buckets ?? [];
  if (!Array.isArray(buckets)) {
    return { ok: false, reason: `Datadog ${q.source} aggregate answered without a buckets list` };
  }
  const values: TopValue[] = [];
  for (const bucket of buckets as GroupedBucket[]) {
    const value = bucket.by?.[q.facet];
    const count = bucket.computes?.['c0'];
    if (typeof count !== 'number' || !Number.isFinite(count)) {
      return { ok: false, reason: `Datadog ${q.source} aggregate answered without a numeric computes.c0` };
    }
    // Datadog answers numeric facets as numbers; a bucket without the facet has nothing to show
    if (typeof value !== 'string' && typeof value !== 'number') continue;
    values.push({ value: String(value), count });
  }
  // Datadog sorts already; sorting again keeps the order right whatever the server did
  values.sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
  return { ok: true, values: values.slice(0, q.limit) };
}
