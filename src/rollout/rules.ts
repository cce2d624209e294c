import { parseCriterion } from './criteria.js';
import { formatDuration, parseDuration } from './duration.js';
import type { SpecIssue } from './issue.js';
import { didYouMean } from './suggest.js';
import { isRecord } from './zod-issues.js';
import type { Config } from '../config/schema.js';
import type { Criterion } from './types.js';

/*
 * Rules that relate several values of a rollout file. They read the raw data
 * defensively, so they still run (and report) when some other part of the
 * file is malformed: an author sees every problem in one pass. A value the
 * schema already rejects is skipped here rather than reported twice.
 */

type Issues = SpecIssue[];

export function crossFieldIssues(data: unknown): SpecIssue[] {
  if (!isRecord(data)) return [];
  const issues: Issues = [];
  stageRules(data, issues);
  checkRules(data, issues);
  metricRules(data, issues);
  referenceRules(data, issues);
  return issues;
}

function stageRules(data: Record<string, unknown>, issues: Issues): void {
  const stages = data.stages;
  if (!Array.isArray(stages)) return;
  const seen = new Map<string, number>();
  let previous: { index: number; percent: number } | undefined;
  const hasSamples = typeof data.samples === 'string';
  stages.forEach((stage: unknown, i) => {
    if (!isRecord(stage)) return;
    const { name, percent } = stage;
    if (typeof name === 'string') {
      const first = seen.get(name);
      if (first !== undefined) {
        issues.push({
          path: ['stages', i, 'name'],
          at: 'value',
          message: `duplicate stage name "${name}" (also stages[${first}])`,
        });
      } else {
        seen.set(name, i);
      }
    }
    if (typeof percent === 'number' && percent > 0 && percent <= 100) {
      if (previous !== undefined && percent <= previous.percent) {
        issues.push({
          path: ['stages', i, 'percent'],
          at: 'value',
          message: `must be greater than ${previous.percent} (stages[${previous.index}]): percents strictly increase`,
        });
      } else {
        previous = { index: i, percent };
      }
    }
    if (stage.minSamples !== undefined && !hasSamples) {
      issues.push({
        path: ['stages', i, 'minSamples'],
        at: 'key',
        message: 'needs a top-level `samples:` naming the metric that counts samples',
      });
    }
  });
}

function checkRules(data: Record<string, unknown>, issues: Issues): void {
  const check = data.check;
  if (!isRecord(check)) return;
  const hasEvery = check.every !== undefined;
  const hasCron = check.cron !== undefined;
  if (hasEvery && hasCron) {
    issues.push({ path: ['check', 'cron'], at: 'key', message: 'set either every or cron, not both' });
  } else if (!hasEvery && !hasCron) {
    issues.push({
      path: ['check'],
      at: 'parent',
      message: 'needs every (e.g. every: 5m) or cron (e.g. cron: "*/5 * * * *")',
    });
  }
}

/** Whether a metric's source is a count: a `sum` over a query, or a logs/RUM count or cardinality. */
function isCountSource(source: Record<string, unknown>): boolean {
  if ('numerator' in source || 'denominator' in source) return false;
  if ('query' in source) return source.aggregator === undefined || source.aggregator === 'sum';
  return isRecord(source.logs) || isRecord(source.rum);
}

function metricRules(data: Record<string, unknown>, issues: Issues): void {
  const metrics = data.metrics;
  if (!isRecord(metrics)) return;
  if (Object.hasOwn(metrics, '__proto__')) {
    // a schema-parsed record would assign it as the prototype and lose the metric: refuse it by name
    issues.push({
      path: ['metrics', '__proto__'],
      at: 'key',
      message:
        '"__proto__" is reserved (JavaScript gives it a meaning of its own): choose another metric name',
    });
  }
  for (const [name, metric] of Object.entries(metrics)) {
    const source = isRecord(metric) ? metric.datadog : undefined;
    if (!isRecord(source)) continue;
    if (isRecord(metric) && metric.noData === 'zero' && !isCountSource(source)) {
      const why =
        'numerator' in source || 'denominator' in source
          ? 'a ratio with no data has no denominator: 0 of 0 is not a rate (no data stays no data)'
          : `aggregator ${String(source.aggregator)} of nothing is not 0: only counts (aggregator sum, logs/rum) may read no data as zero`;
      issues.push({
        path: ['metrics', name, 'noData'],
        at: 'value',
        message: `noData: zero is refused here: ${why}`,
      });
    }
    for (const kind of ['logs', 'rum'] as const) {
      const search = source[kind];
      if (!isRecord(search)) continue;
      const path = ['metrics', name, 'datadog', kind];
      if (search.aggregation === 'cardinality' && search.facet === undefined) {
        issues.push({
          path: [...path, 'aggregation'],
          at: 'value',
          message: 'cardinality needs a facet to count distinct values of, e.g. facet: "@usr.id"',
        });
      }
      if (search.aggregation !== 'cardinality' && search.facet !== undefined) {
        issues.push({
          path: [...path, 'facet'],
          at: 'key',
          message: 'is only used with aggregation: cardinality',
        });
      }
    }
  }
}

/** `samples` and every criterion name a metric that exists; ratio thresholds look like ratios. */
function referenceRules(data: Record<string, unknown>, issues: Issues): void {
  const metrics = isRecord(data.metrics) ? data.metrics : undefined;
  const names = metrics ? Object.keys(metrics) : [];
  const hint = (name: string): string =>
    names.length === 0 ? ' (no metrics are defined)' : didYouMean(name, names);

  if (typeof data.samples === 'string' && metrics && !Object.hasOwn(metrics, data.samples)) {
    issues.push({
      path: ['samples'],
      at: 'value',
      message: `unknown metric "${data.samples}"${hint(data.samples)}`,
    });
  }

  const criteria = isRecord(data.criteria) ? data.criteria : undefined;
  for (const list of ['advance', 'rollback'] as const) {
    const items = criteria?.[list];
    if (!Array.isArray(items)) continue;
    items.forEach((text: unknown, i) => {
      if (typeof text !== 'string') return;
      const c = tryParse(text);
      if (c === undefined) return; // the schema reports the syntax error
      const path = ['criteria', list, i];
      if (!metrics || !Object.hasOwn(metrics, c.metric)) {
        const column = text.indexOf(c.metric) + 1;
        issues.push({ path, at: 'value', column, message: `unknown metric "${c.metric}"${hint(c.metric)}` });
        return;
      }
      if (list === 'advance' && (c.forChecks > 1 || c.forMs !== undefined)) {
        // the engine counts breach streaks for rollback only; on advance it would be silently ignored
        issues.push({
          path,
          at: 'value',
          column: text.search(/\sfor\s/) + 2,
          message:
            '"for <n> checks" / "for <duration>" applies to rollback criteria only: advance criteria are judged at each check (a definitely failing one acts after policy.failingFor)',
        });
      }
      const source = valueOf(metrics[c.metric], 'datadog');
      if (isRecord(source) && 'numerator' in source && !c.percent && Math.abs(c.threshold) > 1) {
        issues.push({
          path,
          at: 'value',
          column: thresholdColumn(text, c),
          message: `${c.metric} is a ratio between 0 and 1: did you mean ${c.threshold}%?`,
        });
      }
    });
  }
}

function tryParse(text: string): Criterion | undefined {
  try {
    return parseCriterion(text);
  } catch {
    return undefined;
  }
}

function valueOf(obj: unknown, key: string): unknown {
  return isRecord(obj) ? obj[key] : undefined;
}

/** 1-based column of the number in a criterion that parsed. */
function thresholdColumn(text: string, c: Criterion): number {
  const afterOp = text.indexOf(c.op, text.indexOf(c.metric) + c.metric.length) + c.op.length;
  const rest = text.slice(afterOp);
  return afterOp + (rest.length - rest.trimStart().length) + 1;
}

/** The provider and notifier names a config defines, for checking a rollout against it. */
export type ConfigNames = Pick<Config, 'metrics' | 'toggles' | 'notifiers'>;

/**
 * Names a rollout uses that the config does not define. Only meaningful when
 * a config is at hand; `validate` skips this without one.
 */
export function configReferenceIssues(data: unknown, config: ConfigNames): SpecIssue[] {
  if (!isRecord(data)) return [];
  const issues: Issues = [];
  const unknownName = (what: string, name: string, defined: Record<string, unknown>): string => {
    const names = Object.keys(defined);
    const hint =
      didYouMean(name, names) ||
      (names.length === 0
        ? ` (the config defines no ${what}s)`
        : ` (the config defines ${names.join(', ')})`);
    return `unknown ${what} "${name}"${hint}`;
  };

  const provider = valueOf(data.toggle, 'provider');
  if (typeof provider === 'string' && !Object.hasOwn(config.toggles, provider)) {
    issues.push({
      path: ['toggle', 'provider'],
      at: 'value',
      message: unknownName('toggle provider', provider, config.toggles),
    });
  }

  const metricProviders = Object.keys(config.metrics);
  if (isRecord(data.metrics)) {
    for (const [name, metric] of Object.entries(data.metrics)) {
      if (!isRecord(metric)) continue;
      const p = metric.provider;
      if (typeof p === 'string') {
        if (!Object.hasOwn(config.metrics, p)) {
          issues.push({
            path: ['metrics', name, 'provider'],
            at: 'value',
            message: unknownName('metrics provider', p, config.metrics),
          });
        }
      } else if (p === undefined && metricProviders.length !== 1) {
        const message =
          metricProviders.length === 0
            ? 'the config defines no metrics provider to query this metric'
            : `needs provider: the config defines several (${metricProviders.join(', ')})`;
        issues.push({ path: ['metrics', name], at: 'key', message });
      }
    }
  }

  const errorsProvider = valueOf(valueOf(data.report, 'errors'), 'provider');
  if (typeof errorsProvider === 'string' && !Object.hasOwn(config.metrics, errorsProvider)) {
    issues.push({
      path: ['report', 'errors', 'provider'],
      at: 'value',
      message: unknownName('metrics provider', errorsProvider, config.metrics),
    });
  }

  const notify = data.notify;
  if (Array.isArray(notify)) {
    notify.forEach((n: unknown, i) => {
      if (typeof n === 'string' && !Object.hasOwn(config.notifiers, n)) {
        issues.push({
          path: ['notify', i],
          at: 'value',
          message: unknownName('notifier', n, config.notifiers),
        });
      }
    });
  }
  return issues;
}

const DAY_MS = 86_400_000;

/**
 * Warnings: valid, but probably not what the author meant. A count criterion
 * over `window: stage` in a stage longer than a day accumulates the whole
 * stage: `contact_center_calls < 2` over a 7-day canary fails on the second
 * call of the week. A sliding window (e.g. 1d) is usually meant.
 */
export function warningIssues(data: unknown): SpecIssue[] {
  if (!isRecord(data) || !isRecord(data.metrics) || !Array.isArray(data.stages)) return [];
  const metrics = data.metrics;
  let longest: { index: number; ms: number } | undefined;
  data.stages.forEach((stage: unknown, index) => {
    const text = isRecord(stage) ? stage.minDuration : undefined;
    const ms = typeof text === 'string' ? parseDuration(text) : undefined;
    if (ms !== undefined && ms > DAY_MS && (longest === undefined || ms > longest.ms))
      longest = { index, ms };
  });
  if (longest === undefined) return [];
  const warnings: SpecIssue[] = [];
  const criteria = isRecord(data.criteria) ? data.criteria : undefined;
  for (const list of ['advance', 'rollback'] as const) {
    const items = criteria?.[list];
    if (!Array.isArray(items)) continue;
    items.forEach((text: unknown, i) => {
      if (typeof text !== 'string') return;
      const c = tryParse(text);
      if (c === undefined || !Object.hasOwn(metrics, c.metric)) return;
      const metric = metrics[c.metric];
      const source = valueOf(metric, 'datadog');
      const window = valueOf(metric, 'window') ?? 'stage';
      if (window !== 'stage' || !isRecord(source) || !isCountSource(source)) return;
      warnings.push({
        path: ['criteria', list, i],
        at: 'value',
        message: `warning: ${c.metric} counts over window: stage, and stages[${longest?.index ?? 0}] lasts ${formatDuration(longest?.ms ?? 0)}: the count accumulates for the whole stage; a sliding window (e.g. window: 1d) is usually meant`,
      });
    });
  }
  return warnings;
}
