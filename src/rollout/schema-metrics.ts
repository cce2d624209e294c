import { z } from 'zod';
import { parseDuration, formatDuration } from './duration.js';
import { DURATION_LIMITS, duration } from './schema-durations.js';

/* A rollout file's metrics (Datadog sources, windows, noData) and its report's errors query. */

/** Datadog's scalar aggregators (MetricsAggregator); counts are `sum` over `.as_count()`. */
export const AGGREGATORS = [
  'sum',
  'avg',
  'min',
  'max',
  'last',
  'percentile',
  'mean',
  'l2norm',
  'area',
] as const;

const valueSourceSchema = z
  .strictObject({
    query: z.string().min(1).describe('Datadog metrics query'),
    aggregator: z.enum(AGGREGATORS).default('sum').describe('How the series reduces to one value'),
  })
  .describe('A single value');

const ratioSourceSchema = z
  .strictObject({
    numerator: z.string().min(1).describe('Datadog metrics query for the events counted'),
    denominator: z.string().min(1).describe('Datadog metrics query for all events'),
  })
  .describe('A ratio of two counts, judged on a confidence interval');

const eventsSearchSchema = z.strictObject({
  search: z.string().describe('Datadog search query, e.g. "service:vets-api status:error"'),
  aggregation: z.enum(['count', 'cardinality']).default('count'),
  facet: z
    .string()
    .regex(/^@?[\w.-]+$/, 'must be a facet name, e.g. @usr.id')
    .optional()
    .describe('The facet whose distinct values `cardinality` counts, e.g. @usr.id'),
});

const logsSourceSchema = z
  .strictObject({ logs: eventsSearchSchema })
  .describe('Count of log events or unique facet values');
const rumSourceSchema = z
  .strictObject({ rum: eventsSearchSchema })
  .describe('Count of RUM events or unique facet values');

export const datadogSourceSchema = z.union(
  [valueSourceSchema, ratioSourceSchema, logsSourceSchema, rumSourceSchema],
  {
    error: 'must have query (+ aggregator), numerator + denominator, logs or rum',
  },
);

export const metricSchema = z.strictObject({
  provider: z
    .string()
    .min(1)
    .optional()
    .describe('A metrics provider named in config; default: the only one'),
  datadog: datadogSourceSchema,
  window: z
    .union([z.literal('stage'), duration('must be a duration like 15m or 1h, or stage')], {
      error: 'must be a duration like 15m or 1h, or stage',
    })
    .superRefine((text, ctx) => {
      const ms = text === 'stage' ? undefined : parseDuration(text);
      if (ms === undefined) return;
      const { min, max } = DURATION_LIMITS.window;
      if (ms < min)
        ctx.addIssue({
          code: 'custom',
          message: 'a window of 0 holds no data: use e.g. 15m, or stage',
          input: text,
        });
      else if (ms > max)
        ctx.addIssue({
          code: 'custom',
          message: `a window must be at most ${formatDuration(max)} (got ${text})`,
          input: text,
        });
    })
    .default('stage')
    .describe('A duration ([now - window, now]) or `stage` (since the current stage began)'),
  noData: z
    .enum(['zero'])
    .optional()
    .describe(
      'zero: no data reads as 0 (a count Datadog leaves empty when nothing happened, like default_zero()); only for counts: value metrics with aggregator sum and logs/rum searches',
    ),
});

const errorsSearchSchema = z.strictObject({
  search: z.string().min(1).describe('Datadog search query, e.g. "service:vets-api status:error"'),
});

const errorsQuerySchema = z
  .strictObject({
    provider: z
      .string()
      .min(1)
      .optional()
      .describe('A metrics provider named in config; default: the only one'),
    logs: errorsSearchSchema.optional().describe('Search logs (exactly one of logs or rum)'),
    rum: errorsSearchSchema.optional().describe('Search RUM events (exactly one of logs or rum)'),
    groupBy: z
      .string()
      .regex(/^@?[\w.-]+$/, 'must be a facet name, e.g. @error.message')
      .describe('The facet whose values are the error types, e.g. @error.message'),
    top: z.int().min(1).max(100).default(5).describe('How many of the most frequent values to record'),
  })
  .refine((e) => (e.logs === undefined) !== (e.rum === undefined), {
    error: 'must have exactly one of logs or rum',
  })
  .describe(
    'Types of errors logged: the most frequent values of a facet, recorded when a stage ends, on rollback and at post-launch check-ins; never judged',
  );

export const reportSchema = z
  .strictObject({ errors: errorsQuerySchema.optional() })
  .describe('What the release report records besides the criteria');
