import { z } from 'zod';
import { HttpAnswer, errorsBody } from './datadog-answer.js';
import { evaluateSeries, eventsKey, type EventsSource, type SeriesSpec } from './scenario.js';

/*
 * POST /api/v2/{logs,rum}/analytics/aggregate of the Datadog sandbox: one
 * count or cardinality compute over a search, answered with Datadog's
 * buckets; grouped by one facet, one bucket per group of a `{ groups }` series.
 */

const aggregateBody = z.object({
  compute: z
    .array(
      z.object({
        aggregation: z.enum(['count', 'cardinality']),
        metric: z.string().optional(),
        type: z.string().optional(),
      }),
    )
    .min(1)
    .max(1),
  filter: z.object({
    query: z.string().default('*'),
    from: z.string().default('now-15m'),
    to: z.string().default('now'),
  }),
  group_by: z
    .array(
      z.object({
        facet: z.string().min(1),
        limit: z.int().positive().default(10),
        sort: z
          .object({
            aggregation: z.string().optional(),
            order: z.enum(['asc', 'desc']).default('desc'),
            type: z.enum(['alphabetical', 'measure']).default('alphabetical'),
          })
          .optional(),
      }),
    )
    .max(1, 'the sandbox groups by one facet')
    .optional(),
});

type GroupBy = NonNullable<z.output<typeof aggregateBody>['group_by']>[number];

/** One bucket per group of a `{ groups }` series, ordered and cut like Datadog's group-by. */
function groupedBuckets(
  spec: SeriesSpec | null,
  groupBy: GroupBy,
  from: number,
  to: number,
): Array<{ by: Record<string, string>; computes: { c0: number } }> {
  if (spec === null || !('groups' in spec)) return [];
  const rows = Object.entries(spec.groups).flatMap(([value, s]) => {
    const count = evaluateSeries(s, from, to, 'sum');
    return count === null || Math.round(count) === 0 ? [] : [{ value, count: Math.round(count) }];
  });
  const order = groupBy.sort?.order === 'asc' ? 1 : -1;
  rows.sort((a, b) =>
    groupBy.sort?.type === 'measure'
      ? order * (a.count - b.count) || a.value.localeCompare(b.value)
      : order * a.value.localeCompare(b.value),
  );
  return rows
    .slice(0, groupBy.limit)
    .map((r) => ({ by: { [groupBy.facet]: r.value }, computes: { c0: r.count } }));
}

/** Datadog date math, the subset the aggregate endpoints see: ms timestamps, ISO dates, `now`, `now-15m`. */
export function parseTime(text: string, now: number): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const math = /^now(?:-(\d+)([smhd]))?$/.exec(text);
  if (math) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[math[2] as 's' | 'm' | 'h' | 'd'] ?? 0;
    return now - Number(math[1] ?? 0) * unit;
  }
  const iso = Date.parse(text);
  return Number.isNaN(iso) ? undefined : iso;
}

/** The answer to an aggregate request's body; `requestId` names it in `meta`, `now` resolves `now-15m`. */
export function answerAggregate(
  source: EventsSource,
  body: unknown,
  series: ReadonlyMap<string, SeriesSpec>,
  now: number,
  requestId: number,
): HttpAnswer {
  const parsed = aggregateBody.safeParse(body);
  if (!parsed.success)
    return new HttpAnswer(400, errorsBody(`invalid aggregate request: ${z.prettifyError(parsed.error)}`));
  const { compute, filter, group_by: groupBy } = parsed.data;
  const c = compute[0] as (typeof compute)[number];
  const from = parseTime(filter.from, now);
  const to = parseTime(filter.to, now);
  if (from === undefined || to === undefined) return new HttpAnswer(400, errorsBody('invalid from/to'));
  if (c.aggregation === 'cardinality' && !c.metric)
    return new HttpAnswer(400, errorsBody('cardinality needs a metric'));
  const specific = eventsKey(source, filter.query, c.aggregation, c.metric);
  const spec = series.get(specific) ?? series.get(eventsKey(source, filter.query)) ?? null;
  const meta = { elapsed: 1, request_id: `sandbox-${requestId}`, status: 'done' };
  const group = groupBy?.[0];
  if (group) {
    if (c.aggregation !== 'count')
      return new HttpAnswer(400, errorsBody('the sandbox groups count computes only'));
    return new HttpAnswer(200, { data: { buckets: groupedBuckets(spec, group, from, to) }, meta });
  }
  const value = evaluateSeries(spec, from, to, 'sum');
  return new HttpAnswer(200, {
    data: { buckets: value === null ? [] : [{ by: {}, computes: { c0: Math.round(value) } }] },
    meta,
  });
}
