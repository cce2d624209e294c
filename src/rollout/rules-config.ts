import { didYouMean } from './suggest.js';
import type { SpecIssue } from './issue.js';
import { isRecord } from './zod-issues.js';
import type { Config } from '../config/schema.js';
import { forEachCriterion, isCountSource, valueOf } from './rules.js';
import { formatDuration, parseDuration } from './duration.js';

/*
 * Rules that need more than the rollout file: the names a config defines
 * (providers, toggles, notifiers), and the warnings `validate` prints without
 * refusing the file.
 */

type Issues = SpecIssue[];

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
  forEachCriterion(data, (c, _text, list, i) => {
    if (!Object.hasOwn(metrics, c.metric)) return;
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
  return warnings;
}
