import { createHash } from 'node:crypto';
import { StagegateError } from '../errors.js';
import type { MetricQuery } from '../ports/metrics-provider.js';
import { canonicalJson } from './canonical-json.js';
import { parseCriterion } from './criteria.js';
import { parseDuration } from './duration.js';
import { SpecError } from './errors.js';
import { parseHours } from './field-checks.js';
import { issueText } from './issue.js';
import { crossFieldIssues } from './rules.js';
import {
  DAYS,
  rolloutFileSchema,
  type DatadogSource,
  type RolloutFile,
  type RolloutFileInput,
} from './schema.js';
import type { ErrorsQuerySpec, MetricSpec, MetricWindow, Rollout, Schedule, StartSpec } from './types.js';
import { fromZodIssues } from './zod-issues.js';

/*
 * From the file as written to the Rollout the engine reads: defaults applied,
 * durations in ms, criteria parsed, hours in minutes, the start as epoch ms,
 * metric sources as MetricQuery, and a hash that changes when the spec does.
 */

/**
 * Validates a rollout given as an object (tests, tools) and normalizes it.
 * Throws SpecError; its problems have line 0 because there is no source text.
 */
export function normalizeRollout(file: RolloutFileInput | RolloutFile, path?: string): Rollout {
  const parsed = rolloutFileSchema.safeParse(file);
  const issues = [
    ...(parsed.success
      ? []
      : fromZodIssues(parsed.error.issues, file, rolloutFileSchema, { echoValues: true })),
    ...crossFieldIssues(file),
  ];
  if (!parsed.success || issues.length > 0) {
    const source = path ?? '<rollout>';
    throw new SpecError(issues.map((i) => ({ path: source, line: 0, col: 0, message: issueText(i) })));
  }
  return toRollout(parsed.data, path);
}

/** A file that already passed the schema and the cross-field rules. */
export function toRollout(file: RolloutFile, source: string | undefined): Rollout {
  const spec: Omit<Rollout, 'specHash' | 'source'> = {
    name: file.name,
    description: file.description,
    toggle: { ...file.toggle },
    start: start(file.start),
    check: {
      schedule: schedule(file.check),
      timezone: file.check.timezone,
      advanceDuring: advanceWindow(file.check.advanceDuring),
    },
    stages: file.stages.map((s) => ({
      name: s.name,
      percent: s.percent,
      minDurationMs: ms(s.minDuration),
      minSamples: s.minSamples,
      approval: s.approval === 'required',
    })),
    samples: file.samples,
    metrics: Object.fromEntries(
      Object.entries(file.metrics).map(([name, m]): [string, MetricSpec] => [
        name,
        {
          name,
          provider: m.provider,
          query: metricQuery(m.datadog),
          window: metricWindow(m.window),
          // only when written, like the policy fields below: existing rollouts keep their spec hash
          ...(m.noData !== undefined && { noData: m.noData }),
        },
      ]),
    ),
    criteria: {
      advance: file.criteria.advance.map(parseCriterion),
      rollback: file.criteria.rollback.map(parseCriterion),
    },
    policy: {
      noData: file.policy.noData,
      maxConsecutiveErrors: file.policy.maxConsecutiveErrors,
      confidence: file.policy.confidence,
      maxStageDurationMs:
        file.policy.maxStageDuration === undefined ? undefined : ms(file.policy.maxStageDuration),
      ...(file.policy.failingFor !== undefined && { failingForMs: ms(file.policy.failingFor) }),
      ...(file.policy.onFailing !== undefined && { onFailing: file.policy.onFailing }),
    },
    postLaunchMs: file.postLaunch.map(ms),
    notify: [...file.notify],
    // only when written: rollouts without it keep the spec hash they had before `report:` existed
    ...(file.report !== undefined && { report: { errors: errorsQuery(file.report.errors) } }),
  };
  return { ...spec, source, specHash: specHash(spec) };
}

/** sha256 (hex) of the normalized spec in canonical JSON; the file path is not part of it. */
export function specHash(spec: Omit<Rollout, 'specHash' | 'source'>): string {
  return createHash('sha256').update(canonicalJson(spec)).digest('hex');
}

/** Durations reaching here passed the schema; a failure is a bug in the caller, reported as such. */
function ms(duration: string): number {
  const value = parseDuration(duration);
  if (value === undefined) throw new StagegateError('E_SPEC_INVALID', `not a duration: "${duration}"`);
  return value;
}

function start(value: RolloutFile['start']): StartSpec {
  if (value === 'immediately' || value === 'manual') return { kind: value };
  return { kind: 'at', at: Date.parse(value) };
}

function schedule(check: RolloutFile['check']): Schedule {
  if (check.cron !== undefined) return { kind: 'cron', cron: check.cron };
  return { kind: 'every', everyMs: ms(check.every ?? '') };
}

function advanceWindow(w: RolloutFile['check']['advanceDuring']): Rollout['check']['advanceDuring'] {
  if (w === undefined) return undefined;
  const hours = w.hours === undefined ? undefined : parseHours(w.hours);
  return {
    days: [...(w.days ?? DAYS)],
    startMinute: hours?.startMinute ?? 0,
    endMinute: hours?.endMinute ?? 1440,
  };
}

function metricQuery(source: DatadogSource): MetricQuery {
  if ('query' in source) return { kind: 'value', query: source.query, aggregator: source.aggregator };
  if ('numerator' in source)
    return { kind: 'ratio', numerator: source.numerator, denominator: source.denominator };
  const [kind, search] = 'logs' in source ? (['logs', source.logs] as const) : (['rum', source.rum] as const);
  return {
    kind: 'events',
    source: kind,
    search: search.search,
    aggregation: search.aggregation,
    facet: search.facet,
  };
}

function errorsQuery(e: NonNullable<RolloutFile['report']>['errors']): ErrorsQuerySpec | undefined {
  if (e === undefined) return undefined;
  const [source, search] = e.logs !== undefined ? (['logs', e.logs] as const) : (['rum', e.rum] as const);
  return {
    provider: e.provider,
    source,
    search: search?.search ?? '',
    groupBy: e.groupBy,
    top: e.top,
  };
}

function metricWindow(window: string): MetricWindow {
  return window === 'stage' ? { kind: 'stage' } : { kind: 'duration', ms: ms(window) };
}
