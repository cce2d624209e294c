import { parseCriterion } from './criteria.js';
import type { SpecIssue } from './issue.js';
import { didYouMean } from './suggest.js';
import { isRecord } from './zod-issues.js';
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
export function isCountSource(source: Record<string, unknown>): boolean {
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

  forEachCriterion(data, (c, text, list, i) => {
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

/** Every criterion that parses, with its text and place (`criteria.<list>[i]`); the schema reports the rest. */
export function forEachCriterion(
  data: Record<string, unknown>,
  visit: (c: Criterion, text: string, list: 'advance' | 'rollback', index: number) => void,
): void {
  const criteria = isRecord(data.criteria) ? data.criteria : undefined;
  for (const list of ['advance', 'rollback'] as const) {
    const items = criteria?.[list];
    if (!Array.isArray(items)) continue;
    items.forEach((text: unknown, i) => {
      if (typeof text !== 'string') return;
      const c = tryParse(text);
      if (c !== undefined) visit(c, text, list, i);
    });
  }
}

export function tryParse(text: string): Criterion | undefined {
  try {
    return parseCriterion(text);
  } catch {
    return undefined;
  }
}

export function valueOf(obj: unknown, key: string): unknown {
  return isRecord(obj) ? obj[key] : undefined;
}

/** 1-based column of the number in a criterion that parsed. */
function thresholdColumn(text: string, c: Criterion): number {
  const afterOp = text.indexOf(c.op, text.indexOf(c.metric) + c.metric.length) + c.op.length;
  const rest = text.slice(afterOp);
  return afterOp + (rest.length - rest.trimStart().length) + 1;
}
