import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { StagegateError } from '../../errors.js';
import type {
  Measurement,
  MetricQuery,
  MetricRequest,
  MetricsProvider,
  TimeWindow,
} from '../../ports/metrics-provider.js';
import { parseDuration } from '../../rollout/duration.js';
import { defaultZeroInner } from './default-zero.js';
import type { MetricSpec } from '../../rollout/types.js';

/*
 * A MetricsProvider that answers from a recorded or synthetic series, for
 * `stagegate simulate` and tests. The series is a CSV (with a header) or a
 * JSON array of rows:
 *
 *   time        ISO 8601 with offset, epoch ms, or an offset from the start (`+0m`, `+4h15m`)
 *   metric      a metric name of the rollout
 *   value       for value and events metrics: the amount in that bucket
 *   numerator   for ratio metrics: the events counted in that bucket
 *   denominator (both, or neither)
 *   status      empty for data, `no-data` (nothing was recorded) or `error` (the provider fails)
 *   message     optional text of an `error` row
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

export type SeriesTime =
  { readonly kind: 'absolute'; readonly ms: number } | { readonly kind: 'offset'; readonly ms: number };

export interface SeriesRow {
  readonly line: number;
  readonly time: SeriesTime;
  readonly metric: string;
  readonly status: 'data' | 'no-data' | 'error';
  readonly value?: number;
  readonly numerator?: number;
  readonly denominator?: number;
  readonly message?: string;
}

export interface SeriesFile {
  readonly path: string;
  readonly rows: readonly SeriesRow[];
}

/** A row on the virtual clock. */
export interface TimedRow extends SeriesRow {
  readonly at: number;
}

function invalid(path: string, line: number | null, message: string): StagegateError {
  return new StagegateError('E_SPEC_INVALID', `${path}${line === null ? '' : `:${line}`}: ${message}`, {
    path,
    line,
  });
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export function parseSeriesTime(text: string): SeriesTime | undefined {
  const t = text.trim();
  if (/^\+/.test(t)) {
    const body = t.slice(1);
    const ms = body === '0' ? 0 : parseDuration(body);
    return ms === undefined ? undefined : { kind: 'offset', ms };
  }
  if (/^\d+$/.test(t)) return { kind: 'absolute', ms: Number(t) };
  if (ISO_WITH_OFFSET.test(t)) {
    const ms = Date.parse(t);
    return Number.isNaN(ms) ? undefined : { kind: 'absolute', ms };
  }
  return undefined;
}

const cell = z.union([z.string(), z.number()]).nullish();

const rowSchema = z.strictObject({
  time: z.union([z.string(), z.number()]),
  metric: z.string().min(1),
  value: cell,
  numerator: cell,
  denominator: cell,
  status: z.string().nullish(),
  message: z.string().nullish(),
});

type RawRow = z.infer<typeof rowSchema>;

function numberCell(path: string, line: number, name: string, v: RawRow['value']): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v.trim());
  if (!Number.isFinite(n)) throw invalid(path, line, `${name} must be a number, got "${String(v)}"`);
  return n;
}

function toRow(path: string, line: number, raw: RawRow): SeriesRow {
  const time =
    typeof raw.time === 'number' ? ({ kind: 'absolute', ms: raw.time } as const) : parseSeriesTime(raw.time);
  if (!time) {
    throw invalid(
      path,
      line,
      `time "${String(raw.time)}" is not ISO 8601 with an offset, epoch ms, or +<duration>`,
    );
  }
  const status = (raw.status ?? '').trim();
  const metric = raw.metric.trim();
  if (status === 'no-data' || status === 'error') {
    const message = raw.message?.trim();
    return { line, time, metric, status, ...(message ? { message } : {}) };
  }
  if (status !== '' && status !== 'ok') {
    throw invalid(path, line, `status must be empty, "no-data" or "error", got "${status}"`);
  }
  const value = numberCell(path, line, 'value', raw.value);
  const numerator = numberCell(path, line, 'numerator', raw.numerator);
  const denominator = numberCell(path, line, 'denominator', raw.denominator);
  if (value !== undefined && (numerator !== undefined || denominator !== undefined)) {
    throw invalid(path, line, 'give either value or numerator and denominator, not both');
  }
  if (value !== undefined) return { line, time, metric, status: 'data', value };
  if (numerator === undefined || denominator === undefined) {
    throw invalid(
      path,
      line,
      'a data row needs value, or numerator and denominator (or status no-data / error)',
    );
  }
  if (numerator < 0 || denominator < 0)
    throw invalid(path, line, 'numerator and denominator are counts: not negative');
  return { line, time, metric, status: 'data', numerator, denominator };
}

/** Parses a series; `format` defaults from the file extension (.json, else CSV). Throws E_SPEC_INVALID with path:line. */
export function parseSeriesText(text: string, path: string, format?: 'csv' | 'json'): SeriesFile {
  const kind = format ?? (extname(path).toLowerCase() === '.json' ? 'json' : 'csv');
  const rows: SeriesRow[] = [];
  if (kind === 'json') {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw invalid(path, null, `not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!Array.isArray(data)) throw invalid(path, null, 'expected a JSON array of rows');
    data.forEach((item: unknown, i) => {
      const parsed = rowSchema.safeParse(item);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw invalid(
          path,
          null,
          `row ${i + 1}: ${issue ? `${issue.path.join('.') || 'row'}: ${issue.message}` : 'invalid'}`,
        );
      }
      rows.push(toRow(path, i + 1, parsed.data));
    });
  } else {
    let records: { record: Record<string, string>; info: { lines: number } }[];
    try {
      records = parseCsv(text, {
        columns: (header: string[]) => header.map((h) => h.trim()),
        comment: '#',
        skip_empty_lines: true,
        trim: true,
        info: true,
      });
    } catch (err) {
      throw invalid(path, null, `not valid CSV: ${err instanceof Error ? err.message : String(err)}`);
    }
    for (const { record, info } of records) {
      const parsed = rowSchema.safeParse(record);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const what =
          issue?.code === 'unrecognized_keys'
            ? `unknown column ${issue.keys.join(', ')} (columns: time, metric, value, numerator, denominator, status, message)`
            : `${issue?.path.join('.') || 'row'}: ${issue?.message ?? 'invalid'}`;
        throw invalid(path, info.lines, what);
      }
      rows.push(toRow(path, info.lines, parsed.data));
    }
  }
  if (rows.length === 0) throw invalid(path, null, 'the series has no rows');
  return { path, rows };
}

export async function loadSeriesFile(path: string): Promise<SeriesFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw invalid(path, null, code === 'ENOENT' ? 'no such file' : `cannot read: ${code ?? String(err)}`);
  }
  return parseSeriesText(text, path);
}

/** The earliest absolute time in the series, if any row has one. */
export function earliestAbsoluteTime(series: SeriesFile): number | undefined {
  const abs = series.rows.filter((r) => r.time.kind === 'absolute').map((r) => r.time.ms);
  return abs.length > 0 ? Math.min(...abs) : undefined;
}

/** Rows on the virtual clock (offsets counted from `origin`), sorted by time, then file order. */
export function timedRows(series: SeriesFile, origin: number): TimedRow[] {
  return series.rows
    .map((r) => ({ ...r, at: r.time.kind === 'absolute' ? r.time.ms : origin + r.time.ms }))
    .sort((a, b) => a.at - b.at || a.line - b.line);
}

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
