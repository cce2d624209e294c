import type {
  Measurement,
  MetricQuery,
  MetricRequest,
  MetricsProvider,
  TimeWindow,
} from '../../ports/metrics-provider.js';
import { defaultZeroInner } from './default-zero.js';
import type { MetricSpec } from '../../rollout/types.js';
import { invalid, timedRows, type SeriesFile, type TimedRow } from './replay-series.js';

/*
 * A MetricsProvider that answers from a recorded or synthetic series, for
 * `stagegate simulate` and tests (the file: replay-series.ts).
 *
 * Each data row is a bucket of counts at `time`. A query over [from, to)
 * aggregates the rows with from ≤ time < to the way the real provider would:
 * - ratio: the sums of numerators and denominators (as two `sum` queries and a
 *   division in code, DESIGN.md §8); no rows or a zero denominator is no data;
 * - value: by the metric's aggregator: sum/area → sum, avg/mean → mean,
 *   min, max, count → number of rows, l2norm, last (and percentile, which
 *   cannot be recomputed from buckets) → the latest row;
 * - events (logs/rum count or cardinality): the sum of the rows (a
 *   cardinality series should therefore hold new distinct users per bucket).
 * No rows in the window is no data, never zero — unless the value query is
 * wrapped in Datadog's `default_zero(...)` or the metric says `noData: zero`:
 * then it reads 0 (the engine applies `noData: zero` the same way for `run`). An `error` row starts an
 * outage of that metric which lasts until its next row: a query whose window
 * ends during it gets an `error` measurement.
 */

function queryKey(q: MetricQuery): string {
  switch (q.kind) {
    case 'value':
      return `value|${q.query}|${q.aggregator}`;
    case 'ratio':
      return `ratio|${q.numerator}|${q.denominator}`;
    case 'events':
      return `events|${q.source}|${q.search}|${q.aggregation}|${q.facet ?? ''}`;
  }
}

function aggregate(rows: readonly TimedRow[], aggregator: string): number {
  const values = rows.map((r) => r.value ?? 0);
  switch (aggregator) {
    case 'sum':
    case 'area':
      return values.reduce((a, b) => a + b, 0);
    case 'avg':
    case 'mean':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'min':
      return Math.min(...values);
    case 'max':
      return Math.max(...values);
    case 'count':
      return values.length;
    case 'l2norm':
      return Math.sqrt(values.reduce((a, b) => a + b * b, 0));
    default:
      // last, percentile: the latest bucket's value
      return values[values.length - 1] ?? 0;
  }
}

export class ReplayMetricsProvider implements MetricsProvider {
  readonly name: string;
  readonly #rows = new Map<string, TimedRow[]>();
  readonly #byQuery = new Map<string, string>();
  /** metrics whose no data reads as 0: `noData: zero`, or a value query in default_zero(...) */
  readonly #zeroWhenEmpty = new Set<string>();

  /**
   * `metrics` are the rollout's: a row naming a metric the rollout does not
   * have, or a value row for a ratio metric (and the reverse), is refused here
   * with its line, so a typo in a series never silently reads as no data.
   */
  constructor(
    series: SeriesFile,
    origin: number,
    metrics: Readonly<Record<string, MetricSpec>>,
    name = 'replay',
  ) {
    this.name = name;
    for (const spec of Object.values(metrics)) {
      this.#byQuery.set(queryKey(spec.query), spec.name);
      const q = spec.query;
      if (
        q.kind !== 'ratio' &&
        (spec.noData === 'zero' || (q.kind === 'value' && defaultZeroInner(q.query) !== undefined))
      )
        this.#zeroWhenEmpty.add(spec.name);
    }
    for (const row of timedRows(series, origin)) {
      // own keys only: a row naming `constructor` is not Object's
      const spec = Object.hasOwn(metrics, row.metric) ? metrics[row.metric] : undefined;
      if (!spec) {
        throw invalid(
          series.path,
          row.line,
          `metric "${row.metric}" is not a metric of the rollout (${Object.keys(metrics).join(', ')})`,
        );
      }
      if (row.status === 'data') {
        const isRatio = spec.query.kind === 'ratio';
        if (isRatio && row.value !== undefined) {
          throw invalid(series.path, row.line, `${row.metric} is a ratio: give numerator and denominator`);
        }
        if (!isRatio && row.value === undefined)
          throw invalid(series.path, row.line, `${row.metric} takes a value`);
      }
      const list = this.#rows.get(row.metric) ?? [];
      list.push(row);
      this.#rows.set(row.metric, list);
    }
  }

  /** The time of the last row: a simulation has nothing new to read after it. */
  lastTime(): number | undefined {
    let last: number | undefined;
    for (const rows of this.#rows.values()) {
      const t = rows[rows.length - 1]?.at;
      if (t !== undefined && (last === undefined || t > last)) last = t;
    }
    return last;
  }

  query(q: MetricQuery, window: TimeWindow): Promise<Measurement> {
    const metric = this.#byQuery.get(queryKey(q));
    if (metric === undefined) {
      return Promise.resolve({
        kind: 'error',
        code: 'E_PROVIDER_BAD_REQUEST',
        message: 'the series has no such query',
      });
    }
    return Promise.resolve(this.measure(metric, q, window));
  }

  queryMany(requests: readonly MetricRequest[]): Promise<Measurement[]> {
    return Promise.resolve(
      requests.map((r) => this.measure(this.#byQuery.get(queryKey(r.query)) ?? r.id, r.query, r.window)),
    );
  }

  /** Synchronous core, shared by both query methods. */
  measure(metric: string, q: MetricQuery, window: TimeWindow): Measurement {
    const rows = this.#rows.get(metric) ?? [];
    let latest: TimedRow | undefined;
    for (const r of rows) {
      if (r.at < window.to) latest = r;
      else break;
    }
    if (latest?.status === 'error') {
      return {
        kind: 'error',
        code: 'E_PROVIDER_UNREACHABLE',
        message: latest.message ?? 'outage recorded in the series',
      };
    }
    const data = rows.filter((r) => r.status === 'data' && r.at >= window.from && r.at < window.to);
    if (data.length === 0) {
      const zero =
        this.#zeroWhenEmpty.has(metric) || (q.kind === 'value' && defaultZeroInner(q.query) !== undefined);
      if (zero) return { kind: 'value', value: 0 };
      return { kind: 'no-data', reason: 'no points in the window' };
    }
    if (q.kind === 'ratio') {
      const numerator = data.reduce((a, r) => a + (r.numerator ?? 0), 0);
      const denominator = data.reduce((a, r) => a + (r.denominator ?? 0), 0);
      if (denominator <= 0) return { kind: 'no-data', reason: 'the denominator is empty' };
      return { kind: 'ratio', numerator, denominator, value: numerator / denominator };
    }
    if (q.kind === 'value') return { kind: 'value', value: aggregate(data, q.aggregator) };
    return { kind: 'value', value: aggregate(data, 'sum') };
  }
}
