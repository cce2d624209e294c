import { describe, expect, it } from 'vitest';
import { answerScalar } from '../../src/sandbox/datadog-scalar.js';
import type { SeriesSpec } from '../../src/sandbox/scenario.js';

/* POST /api/v2/query/scalar of the Datadog sandbox, without HTTP (src/sandbox/datadog-scalar.ts). */

const T0 = 1_750_000_000_000;
const SENT = 'sum:sent{env:prod}.as_count()';

function request(queries: Array<{ name: string; query: string }>, formulas?: string[], to = T0 + 600_000) {
  return {
    data: {
      type: 'scalar_request',
      attributes: {
        from: T0,
        to,
        queries: queries.map((q) => ({ data_source: 'metrics', aggregator: 'sum', ...q })),
        ...(formulas && { formulas: formulas.map((formula) => ({ formula })) }),
      },
    },
  };
}

const series = (entries: Record<string, SeriesSpec>) => new Map(Object.entries(entries));

describe('answerScalar', () => {
  it('one number column per formula; a query with no series answers no values', () => {
    const answer = answerScalar(
      request(
        [
          { name: 'a', query: SENT },
          { name: 'b', query: 'sum:other{*}' },
        ],
        ['a', 'b'],
      ),
      series({ [SENT]: { perSecond: 2 } }),
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      data: {
        type: 'scalar_response',
        attributes: {
          columns: [
            { name: 'a', type: 'number', values: [1200], meta: { unit: null } },
            { name: 'b', type: 'number', values: [], meta: { unit: null } },
          ],
        },
      },
    });
  });

  it('default_zero(q) reads the wrapped series, and its no data as 0', () => {
    const answer = answerScalar(
      request([
        { name: 'a', query: `default_zero(${SENT})` },
        { name: 'b', query: 'default_zero(sum:none{*})' },
      ]),
      series({ [SENT]: { perSecond: 1 } }),
    );
    const columns = (answer.body as { data: { attributes: { columns: Array<{ values: unknown[] }> } } }).data
      .attributes.columns;
    expect(columns.map((c) => c.values)).toEqual([[600], [0]]);
  });

  it('a grouped series answers a group column named by the query’s `by`, then its numbers', () => {
    const query = 'sum:sent{*} by {env}.as_count()';
    const answer = answerScalar(
      request([{ name: 'a', query }]),
      series({ [query]: { groups: { prod: { perSecond: 1 }, dev: { perSecond: 0.5 } } } }),
    );
    const columns = (answer.body as { data: { attributes: { columns: unknown[] } } }).data.attributes.columns;
    expect(columns[0]).toEqual({ name: 'env', type: 'group', values: [['prod'], ['dev']] });
    expect(columns[1]).toMatchObject({ name: 'a', values: [600, 300] });
  });

  it('refuses a bad body, a window that ends before it starts, and a formula naming no query', () => {
    expect(answerScalar({ data: {} }, series({})).status).toBe(400);
    expect(answerScalar(request([{ name: 'a', query: SENT }], undefined, T0), series({})).body).toEqual({
      errors: ["'from' must be before 'to'"],
    });
    expect(answerScalar(request([{ name: 'a', query: SENT }], ['a / 2']), series({})).body).toEqual({
      errors: ['the sandbox only evaluates formulas naming one query, got "a / 2"'],
    });
  });
});
