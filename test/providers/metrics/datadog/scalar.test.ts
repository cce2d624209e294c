import { describe, expect, it } from 'vitest';
import type { v2 } from '@datadog/datadog-api-client';
import { combineGroups, readScalarResponse } from '../../../../src/providers/metrics/datadog/scalar.js';

/* Pure readers of Datadog scalar answers (the provider tests cover them end to end through nock). */

const answer = (columns: unknown[], errors?: string) =>
  ({
    data: { type: 'scalar_response', attributes: { columns } },
    ...(errors ? { errors } : {}),
  }) as v2.ScalarFormulaQueryResponse;

describe('readScalarResponse', () => {
  it.each([
    [
      'named columns, nulls dropped',
      answer([
        { name: 'a', type: 'number', values: [1, null, 2] },
        { name: 'b', type: 'number', values: [] },
      ]),
      ['a', 'b'],
      {
        kind: 'columns',
        values: new Map([
          ['a', [1, 2]],
          ['b', []],
        ]),
      },
    ],
    [
      'group columns are skipped; unnamed number columns are taken in order',
      answer([
        { name: 'env', type: 'group', values: [['prod'], ['dev']] },
        { type: 'number', values: [3, 4] },
        { type: 'number', values: [null, 5] },
      ]),
      ['a', 'b'],
      {
        kind: 'columns',
        values: new Map([
          ['a', [3, 4]],
          ['b', [5]],
        ]),
      },
    ],
    [
      'no columns at all',
      { data: { type: 'scalar_response', attributes: {} } },
      ['a'],
      { kind: 'no-data', reason: 'Datadog returned no columns' },
    ],
    ['no data object', {}, ['a'], { kind: 'invalid', reason: 'Datadog answered without data' }],
    [
      'only errors',
      { errors: 'bad things' },
      ['a'],
      { kind: 'invalid', reason: 'Datadog answered with errors: bad things' },
    ],
    [
      'a missing column',
      answer([{ name: 'a', type: 'number', values: [1] }]),
      ['a', 'b'],
      { kind: 'invalid', reason: 'Datadog returned no column for query b' },
    ],
    [
      'unnamed columns in the wrong number',
      answer([{ type: 'number', values: [1] }]),
      ['a', 'b'],
      { kind: 'invalid', reason: 'expected 2 number columns, Datadog returned 1' },
    ],
  ] as const)('%s', (_name, response, names, expected) => {
    expect(readScalarResponse(response as v2.ScalarFormulaQueryResponse, names)).toEqual(expected);
  });
});

describe('combineGroups', () => {
  it.each([
    [[7], 'avg', { ok: true, value: 7 }],
    [[1, 2, 3], 'sum', { ok: true, value: 6 }],
    [[4, 2, 9], 'min', { ok: true, value: 2 }],
    [[4, 2, 9], 'max', { ok: true, value: 9 }],
    [[4, 2], 'percentile', { ok: false }],
    [[4, 2], 'last', { ok: false }],
  ] as const)('%j with %s', (values, aggregator, expected) => {
    expect(combineGroups(values, aggregator)).toMatchObject(expected);
  });
});
