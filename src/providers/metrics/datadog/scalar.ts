import type { v2 } from '@datadog/datadog-api-client';
import type { Measurement } from '../../../ports/metrics-provider.js';
import type { ScalarAggregator, ScalarBatch } from './batch.js';

/*
 * The v2 scalar query (POST /api/v2/query/scalar) for one batch, and reading
 * its answer back into measurements (pure).
 *
 * Answer shape: `data.attributes.columns` holds `group` columns (one row per
 * tag combination, only with `by {…}`) and `number` columns (one per formula,
 * named after it; we send one formula per query, `a`, `b`…, so columns are
 * named after our queries). A number column's `values` runs parallel to the
 * group rows and may contain nulls.
 *
 * No data is not zero: a column with `values: []` or only nulls is no data. A
 * ratio whose numerator has no data under a denominator with data is 0 events;
 * a denominator without data, or 0, is no data.
 *
 * Group rows: a gate needs one number, so rows are combined — summed for `sum`
 * (the usual count query), min/max for min/max. For other aggregators (avg,
 * percentile…) several rows cannot be combined faithfully without weights, so
 * that is an error asking to drop the `by {…}` clause.
 *
 * Counts cannot be negative or infinite: such a value in a ratio's numerator
 * or denominator, or in a `.as_count()` value, is E_PROVIDER_BAD_VALUE (an
 * error measurement), never a ratio or a value to judge; a non-finite value
 * of any other query too.
 *
 * A top-level `errors` text next to columns means a partial answer: every
 * metric of the batch is no data (a partial count would read low) and the
 * caller logs a warning.
 */

export function buildScalarRequest(batch: ScalarBatch): v2.ScalarFormulaQueryRequest {
  return {
    data: {
      type: 'scalar_request',
      attributes: {
        from: batch.window.from,
        to: batch.window.to,
        queries: batch.queries.map((q) => ({
          name: q.name,
          dataSource: 'metrics',
          query: q.query,
          aggregator: q.aggregator,
        })),
        formulas: batch.queries.map((q) => ({ formula: q.name })),
      },
    },
  };
}

function isNumberColumn(col: v2.ScalarColumn): col is v2.DataScalarColumn {
  return 'type' in col && col.type === 'number';
}

export type ScalarRead =
  | { readonly kind: 'columns'; readonly values: ReadonlyMap<string, readonly number[]> }
  | { readonly kind: 'partial'; readonly reason: string }
  | { readonly kind: 'no-data'; readonly reason: string }
  | { readonly kind: 'invalid'; readonly reason: string };

/** The non-null values of each requested query's column, by query name. */
export function readScalarResponse(
  response: v2.ScalarFormulaQueryResponse,
  names: readonly string[],
): ScalarRead {
  const columns = response.data?.attributes?.columns;
  const errors =
    typeof response.errors === 'string' && response.errors.trim() !== '' ? response.errors.trim() : undefined;
  if (!columns || columns.length === 0) {
    if (errors) return { kind: 'invalid', reason: `Datadog answered with errors: ${errors}` };
    if (!response.data) return { kind: 'invalid', reason: 'Datadog answered without data' };
    return { kind: 'no-data', reason: 'Datadog returned no columns' };
  }
  if (errors) return { kind: 'partial', reason: `partial answer from Datadog: ${errors}` };
  const numberColumns = columns.filter(isNumberColumn);
  const wanted = new Set(names);
  const named = numberColumns.some((c) => c.name !== undefined && wanted.has(c.name));
  if (!named && numberColumns.length !== names.length) {
    return {
      kind: 'invalid',
      reason: `expected ${names.length} number columns, Datadog returned ${numberColumns.length}`,
    };
  }
  const values = new Map<string, readonly number[]>();
  numberColumns.forEach((col, position) => {
    // columns are named after the formulas we sent; fall back to their order if a server omits names
    const name = named ? col.name : names[position];
    if (name === undefined || !wanted.has(name)) return;
    // nulls are gaps (no data); anything else that is not a finite number is kept as NaN, to be refused
    values.set(
      name,
      (col.values ?? [])
        .filter((v) => v !== null && v !== undefined)
        .map((v) => (typeof v === 'number' ? v : Number.NaN)),
    );
  });
  const missing = names.filter((n) => !values.has(n));
  if (missing.length > 0)
    return { kind: 'invalid', reason: `Datadog returned no column for query ${missing.join(', ')}` };
  return { kind: 'columns', values };
}

export type Combined =
  { readonly ok: true; readonly value: number } | { readonly ok: false; readonly reason: string };

/** One number from the non-null group rows of a column (there is at least one). */
export function combineGroups(values: readonly number[], aggregator: ScalarAggregator): Combined {
  if (values.length === 1) return { ok: true, value: values[0] as number };
  switch (aggregator) {
    case 'sum':
      return { ok: true, value: values.reduce((a, b) => a + b, 0) };
    case 'min':
      return { ok: true, value: Math.min(...values) };
    case 'max':
      return { ok: true, value: Math.max(...values) };
    default:
      return {
        ok: false,
        reason: `the query returns ${values.length} groups and ${aggregator} values of groups cannot be combined: drop the "by {…}" clause or use sum, min or max`,
      };
  }
}

/** Measurements of every slot of a batch, by request index. */
export function scalarMeasurements(batch: ScalarBatch, read: ScalarRead): Map<number, Measurement> {
  const out = new Map<number, Measurement>();
  for (const slot of batch.slots) {
    out.set(slot.index, slotMeasurement(slot, read));
  }
  return out;
}

function slotMeasurement(slot: ScalarBatch['slots'][number], read: ScalarRead): Measurement {
  if (read.kind === 'invalid') return { kind: 'error', code: 'E_PROVIDER_RESPONSE', message: read.reason };
  if (read.kind !== 'columns') return { kind: 'no-data', reason: read.reason };
  const column = (ref: string): readonly number[] => read.values.get(ref) ?? [];

  if (slot.kind === 'value') {
    const values = column(slot.ref);
    if (values.length === 0) return { kind: 'no-data', reason: 'no data in the window' };
    const bad = badValue(values, slot.count);
    if (bad !== undefined) return badValueMeasurement(bad, slot.count ? 'count' : 'value');
    const combined = combineGroups(values, slot.aggregator);
    if (!combined.ok) return { kind: 'error', code: 'E_PROVIDER_BAD_REQUEST', message: combined.reason };
    return { kind: 'value', value: combined.value };
  }

  const denValues = column(slot.denominator);
  if (denValues.length === 0) {
    return { kind: 'no-data', reason: 'the denominator has no data in the window' };
  }
  const numValues = column(slot.numerator);
  const bad = badValue(numValues, true) ?? badValue(denValues, true);
  if (bad !== undefined) {
    const part = badValue(numValues, true) !== undefined ? 'numerator' : 'denominator';
    return badValueMeasurement(bad, `ratio ${part}`);
  }
  const denominator = sum(denValues);
  if (denominator === 0) return { kind: 'no-data', reason: 'the denominator is 0' };
  // an empty numerator under a denominator with data: no such events happened
  const numerator = sum(numValues);
  if (!Number.isFinite(numerator) || !Number.isFinite(denominator)) {
    return badValueMeasurement(Number.POSITIVE_INFINITY, 'ratio sum');
  }
  return { kind: 'ratio', value: numerator / denominator, numerator, denominator };
}

/** The first value a count (or any metric) cannot take: non-finite, or negative for a count. */
export function badValue(values: readonly number[], count: boolean): number | undefined {
  return values.find((v) => !Number.isFinite(v) || (count && v < 0));
}

function badValueMeasurement(value: number, what: string): Extract<Measurement, { kind: 'error' }> {
  return {
    kind: 'error',
    code: 'E_PROVIDER_BAD_VALUE',
    message: `Datadog returned ${String(value)} for a ${what}, which cannot be judged: a provider error, not a measurement`,
  };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
