import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { StagegateError } from '../../errors.js';
import { parseDuration } from '../../rollout/duration.js';

/*
 * The series file behind the replay provider (replay.ts): a CSV (with a
 * header) or a JSON array of rows, parsed into rows with their line numbers
 * and put on the virtual clock. Columns:
 *
 *   time        ISO 8601 with offset, epoch ms, or an offset from the start (`+0m`, `+4h15m`)
 *   metric      a metric name of the rollout
 *   value       for value and events metrics: the amount in that bucket
 *   numerator   for ratio metrics: the events counted in that bucket
 *   denominator (both, or neither)
 *   status      empty for data, `no-data` (nothing was recorded) or `error` (the provider fails)
 *   message     optional text of an `error` row
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

/** E_SPEC_INVALID naming the file and line. */
export function invalid(path: string, line: number | null, message: string): StagegateError {
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
