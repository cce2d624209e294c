import { z } from 'zod';
import { parseDuration } from './duration.js';

/*
 * The rollout file as written (DESIGN.md §2). Only structural rules live here,
 * so that `stagegate schema` can emit a faithful JSON Schema for editors;
 * cross-field rules (percents increasing, referenced metrics exist, criteria
 * syntax) are checked by the loader, which knows where each value sits in the
 * YAML and can point at it.
 */

export const NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const METRIC_NAME_PATTERN = /^[a-z_][a-z0-9_]{0,63}$/;

export const durationSchema = z
  .string()
  .refine((s) => parseDuration(s) !== undefined, {
    message: 'must be a duration like 90s, 15m, 4h, 1h30m or 2d',
  })
  .meta({ pattern: '^(\\d+d)?(\\d+h)?(\\d+m)?(\\d+s)?$', examples: ['90s', '15m', '4h', '1h30m', '2d'] });

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const GATES = ['percentage_of_actors', 'percentage_of_time'] as const;
export const AGGREGATORS = ['sum', 'avg', 'min', 'max', 'last', 'count', 'percentile', 'mean', 'l2norm', 'area'] as const;

const toggleSchema = z.strictObject({
  provider: z.string().min(1).describe('A toggle provider named in config `toggles:`'),
  feature: z.string().min(1).max(200).describe('The feature (toggle) name in that provider'),
  gate: z.enum(GATES).default('percentage_of_actors'),
  onRollback: z
    .enum(['zero', 'disable'])
    .default('zero')
    .describe('zero: percentage 0, allow-lists kept; disable: boolean gate off (Flipper clears every gate)'),
  onComplete: z
    .enum(['keep', 'enable'])
    .default('keep')
    .describe('keep: leave the percentage gate at 100; enable: turn the boolean gate on'),
});

const advanceDuringSchema = z.strictObject({
  days: z.array(z.enum(DAYS)).min(1).optional(),
  hours: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, 'must be "HH:MM-HH:MM", e.g. "09:00-17:00"')
    .optional(),
});

const checkSchema = z.strictObject({
  every: durationSchema.optional(),
  cron: z.string().min(1).optional().describe('5 or 6 field cron expression (node-cron)'),
  timezone: z.string().default('UTC').describe('IANA time zone, e.g. America/New_York'),
  advanceDuring: advanceDuringSchema.optional(),
});

const stageSchema = z.strictObject({
  name: z.string().regex(NAME_PATTERN, 'must be lowercase letters, digits and dashes'),
  percent: z.number().gt(0).lte(100),
  minDuration: durationSchema.default('0s'),
  minSamples: z.int().nonnegative().optional(),
  approval: z.enum(['required', 'none']).default('none'),
});

const valueSourceSchema = z.strictObject({
  query: z.string().min(1),
  aggregator: z.enum(AGGREGATORS).default('sum'),
});

const ratioSourceSchema = z.strictObject({
  numerator: z.string().min(1),
  denominator: z.string().min(1),
});

const eventsSearchSchema = z.strictObject({
  search: z.string().describe('Datadog search query, e.g. "service:vets-api status:error"'),
  aggregation: z.enum(['count', 'cardinality']).default('count'),
  facet: z
    .string()
    .regex(/^@?[\w.-]+$/)
    .optional()
    .describe('The facet whose distinct values `cardinality` counts, e.g. @usr.id'),
});

const logsSourceSchema = z.strictObject({ logs: eventsSearchSchema });
const rumSourceSchema = z.strictObject({ rum: eventsSearchSchema });

export const datadogSourceSchema = z.union([valueSourceSchema, ratioSourceSchema, logsSourceSchema, rumSourceSchema]);

const metricSchema = z.strictObject({
  provider: z.string().optional().describe('A metrics provider named in config; default: the only one'),
  datadog: datadogSourceSchema,
  window: z
    .union([z.literal('stage'), durationSchema])
    .default('stage')
    .describe('A duration ([now - window, now]) or `stage` (since the current stage began)'),
});

const policySchema = z.strictObject({
  noData: z.enum(['hold', 'pause', 'rollback']).default('hold'),
  maxConsecutiveErrors: z.int().min(1).default(4),
  confidence: z.number().gt(0.5).lt(1).default(0.95),
  maxStageDuration: durationSchema.optional(),
});

export const rolloutFileSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().regex(NAME_PATTERN, 'must be lowercase letters, digits and dashes (max 63)'),
  description: z.string().optional(),
  toggle: toggleSchema,
  start: z
    .union([z.enum(['immediately', 'manual']), z.iso.datetime({ offset: true })])
    .default('immediately')
    .describe('immediately | manual | an ISO 8601 timestamp with offset'),
  check: checkSchema,
  stages: z.array(stageSchema).min(1),
  samples: z.string().optional().describe('The metric that minSamples counts'),
  metrics: z.record(z.string().regex(METRIC_NAME_PATTERN), metricSchema).default({}),
  criteria: z
    .strictObject({
      advance: z.array(z.string()).default([]),
      rollback: z.array(z.string()).default([]),
    })
    .default({ advance: [], rollback: [] }),
  policy: policySchema.default({ noData: 'hold', maxConsecutiveErrors: 4, confidence: 0.95 }),
  postLaunch: z
    .array(durationSchema)
    .default([])
    .describe('Check-ins after completion, e.g. [7d, 30d]'),
  notify: z.array(z.string()).default([]),
});

export type RolloutFile = z.output<typeof rolloutFileSchema>;
export type RolloutFileInput = z.input<typeof rolloutFileSchema>;
export type DatadogSource = z.output<typeof datadogSourceSchema>;
