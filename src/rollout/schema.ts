import { z } from 'zod';
import { parseCriterion } from './criteria.js';
import { DURATION_LIMITS, boundedDuration, refineWith } from './schema-durations.js';
import { metricSchema, reportSchema, type datadogSourceSchema } from './schema-metrics.js';
import { CriterionSyntaxError } from './errors.js';
import {
  cronProblem,
  hoursProblem,
  percentDecimalsProblem,
  startProblem,
  timezoneProblem,
} from './field-checks.js';

/*
 * The rollout file as written (DESIGN.md §2). Structure and single-value
 * rules live here, so `stagegate schema` emits a faithful JSON Schema for
 * editors and every value is checked where it sits. Rules that relate several
 * values (percents increasing, referenced metrics exist, every xor cron) are
 * in rules.ts, which runs on the same input and reports at the same positions.
 */

export { AGGREGATORS, datadogSourceSchema } from './schema-metrics.js';
export { DURATION_LIMITS, durationSchema } from './schema-durations.js';

export const NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const METRIC_NAME_PATTERN = /^[a-z_][a-z0-9_]{0,63}$/;

export const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const GATES = ['percentage_of_actors', 'percentage_of_time'] as const;
/** A criterion: parsed here so a syntax error points at its character (params.column). */
export const criterionSchema = z
  .string()
  .superRefine((text, ctx) => {
    try {
      parseCriterion(text);
    } catch (err) {
      if (!(err instanceof CriterionSyntaxError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.reason, params: { column: err.column }, input: text });
    }
  })
  .meta({
    description: '<metric> <op> <number>[%] [for <n> checks | for <duration>], op one of < <= > >= == !=',
    examples: [
      'error_rate < 5%',
      'error_rate > 5% for 2 checks',
      'p95_latency > 2000 for 10m',
      'contact_center_calls < 2',
    ],
  });

const toggleSchema = z.strictObject({
  provider: z.string().min(1).describe('A toggle provider named in config `toggles:`'),
  feature: z.string().min(1).max(200).describe('The feature (toggle) name in that provider'),
  gate: z
    .enum(GATES)
    .default('percentage_of_actors')
    .describe('percentage_of_actors is sticky per user; percentage_of_time flips on every request'),
  onRollback: z
    .enum(['zero', 'disable'])
    .default('zero')
    .describe('zero: percentage 0, allow-lists kept; disable: boolean gate off (Flipper clears every gate)'),
  onComplete: z
    .enum(['keep', 'enable'])
    .default('keep')
    .describe('keep: leave the percentage gate at 100; enable: turn the boolean gate on'),
  // optional, not defaulted: an absent key keeps the spec hash of existing rollouts unchanged
  create: z
    .boolean()
    .optional()
    .describe(
      'Default false: a feature missing from the provider is never created (gate writes would create it)',
    ),
});

const advanceDuringSchema = z
  .strictObject({
    days: z.array(z.enum(DAYS)).min(1).optional().describe('Default: every day'),
    hours: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, 'must be "HH:MM-HH:MM", e.g. "09:00-17:00"')
      .superRefine(refineWith(hoursProblem))
      .optional()
      .describe('Local time in check.timezone, start inclusive, end exclusive; default: all day'),
  })
  .describe('Advancement happens only inside this window; rollback at any time');

const checkSchema = z.strictObject({
  every: boundedDuration(DURATION_LIMITS.every, 'check.every')
    .optional()
    .describe('Check interval, 1s to 1d; exactly one of every or cron'),
  cron: z
    .string()
    .min(1)
    .superRefine(refineWith(cronProblem))
    .optional()
    .describe('5 or 6 field cron expression (node-cron); exactly one of every or cron'),
  timezone: z
    .string()
    .superRefine(refineWith(timezoneProblem))
    .default('UTC')
    .describe('IANA time zone for cron and advanceDuring, e.g. America/New_York'),
  advanceDuring: advanceDuringSchema.optional(),
});

const stageSchema = z.strictObject({
  name: z.string().regex(NAME_PATTERN, 'must be lowercase letters, digits and dashes'),
  percent: z
    .number()
    .gt(0, { abort: true })
    .lte(100, { abort: true })
    .refine((p) => percentDecimalsProblem(p) === undefined, { error: 'must have at most 3 decimals' })
    .describe('Share of actors (or time) the toggle reaches: 0 < percent <= 100, at most 3 decimals'),
  minDuration: boundedDuration(DURATION_LIMITS.minDuration, 'minDuration')
    .default('0s')
    .describe('Time to spend in the stage before advancing (at most a year)'),
  minSamples: z
    .int()
    .nonnegative()
    .optional()
    .describe('Samples (the `samples` metric) needed before advancing'),
  approval: z.enum(['required', 'none']).default('none').describe('required: wait for `stagegate approve`'),
});

const policySchema = z.strictObject({
  noData: z.enum(['hold', 'pause', 'rollback']).default('hold').describe('What a check without data does'),
  maxConsecutiveErrors: z.int().min(1).default(4).describe('Provider errors in a row before pause + alert'),
  confidence: z.number().gt(0.5).lt(1).default(0.95).describe('Confidence level of ratio intervals'),
  maxStageDuration: boundedDuration(DURATION_LIMITS.maxStageDuration, 'maxStageDuration')
    .optional()
    .describe('A stage held longer pauses and alerts'),
  failingFor: boundedDuration(DURATION_LIMITS.failingFor, 'failingFor')
    .optional()
    .describe('An advance criterion definitely failing this long triggers onFailing (default 1h)'),
  onFailing: z
    .enum(['pause', 'rollback', 'hold'])
    .optional()
    .describe('pause and alert (default), rollback, or hold (keep waiting until maxStageDuration)'),
});

export const rolloutFileSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z
      .string()
      .regex(NAME_PATTERN, 'must be lowercase letters, digits and dashes (max 63)')
      .describe('Unique rollout name, also the state key'),
    description: z.string().optional(),
    toggle: toggleSchema,
    start: z
      .union(
        [
          z.enum(['immediately', 'manual']),
          z.iso.datetime({ offset: true, error: (iss) => startProblem(iss.input) }),
        ],
        {
          error: (iss) => startProblem(iss.input),
        },
      )
      .default('immediately')
      .describe('immediately | manual | an ISO 8601 timestamp with offset'),
    check: checkSchema,
    stages: z.array(stageSchema).min(1),
    samples: z.string().optional().describe('The metric that minSamples counts'),
    metrics: z
      .record(
        z.string().regex(METRIC_NAME_PATTERN, 'must be lowercase letters, digits and _ (max 64)'),
        metricSchema,
      )
      .default({}),
    criteria: z
      .strictObject({
        advance: z.array(criterionSchema).default([]).describe('All must pass to advance; otherwise hold'),
        rollback: z.array(criterionSchema).default([]).describe('Any breach rolls the toggle back'),
      })
      .default({ advance: [], rollback: [] }),
    policy: policySchema.default({ noData: 'hold', maxConsecutiveErrors: 4, confidence: 0.95 }),
    postLaunch: z
      .array(boundedDuration(DURATION_LIMITS.postLaunch, 'postLaunch'))
      .default([])
      .describe('Check-ins after completion, e.g. [7d, 30d]'),
    notify: z.array(z.string().min(1)).default([]).describe('Notifiers named in config'),
    report: reportSchema.optional(),
  })
  .meta({ title: 'stagegate rollout', description: 'One staged rollout of a feature toggle (stagegate)' });

export type RolloutFile = z.output<typeof rolloutFileSchema>;
export type RolloutFileInput = z.input<typeof rolloutFileSchema>;
export type DatadogSource = z.output<typeof datadogSourceSchema>;
