import { z } from 'zod';
import { defaultZeroInner } from '../providers/metrics/default-zero.js';
import { HttpAnswer, errorsBody } from './datadog-answer.js';
import { evaluateRows, type SeriesSpec } from './scenario.js';

/*
 * POST /api/v2/query/scalar of the Datadog sandbox: formulas that name one
 * metric query each, answered with Datadog's columns (one number column per
 * formula; a group column first when a series is grouped).
 */

const scalarBody = z.object({
  data: z.object({
    type: z.literal('scalar_request'),
    attributes: z.object({
      from: z.number().int(),
      to: z.number().int(),
      queries: z
        .array(
          z.object({
            name: z.string().min(1),
            data_source: z.literal('metrics'),
            query: z.string().min(1),
            aggregator: z.string().default('avg'),
          }),
        )
        .min(1),
      formulas: z.array(z.object({ formula: z.string().min(1) })).optional(),
    }),
  }),
});

function groupColumnName(query: string): string {
  const by = /\bby\s*\{([^}]*)\}/.exec(query);
  return by?.[1]?.trim() || 'group';
}

/** The answer to a scalar request's body, from the series keyed by query. */
export function answerScalar(body: unknown, series: ReadonlyMap<string, SeriesSpec>): HttpAnswer {
  const parsed = scalarBody.safeParse(body);
  if (!parsed.success)
    return new HttpAnswer(400, errorsBody(`invalid scalar request: ${z.prettifyError(parsed.error)}`));
  const { from, to, queries, formulas } = parsed.data.data.attributes;
  if (to <= from) return new HttpAnswer(400, errorsBody("'from' must be before 'to'"));
  const byName = new Map(queries.map((q) => [q.name, q]));
  // the sandbox evaluates formulas that name one query (what stagegate sends); others are refused loudly
  const outputs = formulas ? formulas.map((f) => f.formula.trim()) : queries.map((q) => q.name);
  const unknown = outputs.find((name) => !byName.has(name));
  if (unknown !== undefined) {
    return new HttpAnswer(
      400,
      errorsBody(`the sandbox only evaluates formulas naming one query, got "${unknown}"`),
    );
  }
  const evaluated = outputs.map((name) => {
    const q = byName.get(name) as (typeof queries)[number];
    // default_zero(q): the series of q, with no data read as 0 (as Datadog does)
    const inner = defaultZeroInner(q.query);
    const spec = series.get(q.query) ?? (inner === undefined ? undefined : series.get(inner));
    const rows = evaluateRows(spec, from, to, q.aggregator);
    if (inner !== undefined && rows.kind === 'single' && rows.value === null) {
      return { name, query: q.query, rows: { kind: 'single' as const, value: 0 } };
    }
    return { name, query: q.query, rows };
  });
  const grouped = evaluated.filter((e) => e.rows.kind === 'grouped');
  const columns: unknown[] = [];
  if (grouped.length === 0) {
    for (const e of evaluated) {
      const value = e.rows.kind === 'single' ? e.rows.value : null;
      columns.push({
        name: e.name,
        type: 'number',
        values: value === null ? [] : [value],
        meta: { unit: null },
      });
    }
  } else {
    const groups = [
      ...new Set(grouped.flatMap((e) => (e.rows.kind === 'grouped' ? [...e.rows.rows.keys()] : []))),
    ];
    const first = grouped[0] as (typeof grouped)[number];
    columns.push({
      name: groupColumnName(first.query),
      type: 'group',
      values: groups.map((g) => g.split(',')),
    });
    for (const e of evaluated) {
      // an ungrouped query next to grouped ones answers on the first row, so sums over rows stay right
      const values = groups.map((g, i) =>
        e.rows.kind === 'grouped' ? (e.rows.rows.get(g) ?? null) : i === 0 ? e.rows.value : null,
      );
      columns.push({ name: e.name, type: 'number', values, meta: { unit: null } });
    }
  }
  return new HttpAnswer(200, { data: { type: 'scalar_response', attributes: { columns } } });
}
