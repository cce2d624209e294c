import { describe, expect, it } from 'vitest';
import {
  earliestAbsoluteTime,
  parseSeriesText,
  parseSeriesTime,
  timedRows,
} from '../../../src/providers/metrics/replay-series.js';
import { StagegateError } from '../../../src/errors.js';
import { MIN, T0 } from '../../engine/rollout-factory.js';
import { CSV } from './replay-csv.js';

/* The series files behind `stagegate simulate` (src/providers/metrics/replay-series.ts). */

describe('series parsing', () => {
  it.each([
    ['+0m', { kind: 'offset', ms: 0 }],
    ['+0', { kind: 'offset', ms: 0 }],
    ['+1h30m', { kind: 'offset', ms: 90 * MIN }],
    ['1750165200000', { kind: 'absolute', ms: 1750165200000 }],
    ['2025-06-17T09:00:00-04:00', { kind: 'absolute', ms: Date.parse('2025-06-17T13:00:00Z') }],
    ['2025-06-17T13:00Z', { kind: 'absolute', ms: Date.parse('2025-06-17T13:00:00Z') }],
  ])('time %s', (text, expected) => {
    expect(parseSeriesTime(text)).toEqual(expected);
  });

  it.each(['2025-06-17T09:00:00', 'tomorrow', '+5x', ''])('refuses time %j (no offset, no unit)', (text) => {
    expect(parseSeriesTime(text)).toBeUndefined();
  });

  it('reads CSV rows with their line numbers', () => {
    const series = parseSeriesText(CSV, 's.csv');
    expect(series.rows).toHaveLength(7);
    expect(series.rows[0]).toEqual({
      line: 3,
      time: { kind: 'offset', ms: 0 },
      metric: 'error_rate',
      status: 'data',
      numerator: 1,
      denominator: 100,
    });
    expect(series.rows[4]).toEqual({
      line: 7,
      time: { kind: 'offset', ms: 10 * MIN },
      metric: 'error_rate',
      status: 'error',
      message: 'Datadog 503',
    });
  });

  it('reads the same rows from JSON', () => {
    const json = JSON.stringify([
      { time: '+0m', metric: 'error_rate', numerator: 1, denominator: 100 },
      { time: 1750165200000, metric: 'sent', value: 100 },
      { time: '+5m', metric: 'error_rate', status: 'error', message: 'timeout' },
    ]);
    const series = parseSeriesText(json, 's.json');
    expect(series.rows.map((r) => [r.metric, r.status, r.time.kind])).toEqual([
      ['error_rate', 'data', 'offset'],
      ['sent', 'data', 'absolute'],
      ['error_rate', 'error', 'offset'],
    ]);
    expect(earliestAbsoluteTime(series)).toBe(1750165200000);
  });

  it.each([
    [
      'time,metric,value\nyesterday,sent,1\n',
      's.csv:2: time "yesterday" is not ISO 8601 with an offset, epoch ms, or +<duration>',
    ],
    [
      'time,metric,valu\n+0m,sent,1\n',
      's.csv:2: unknown column valu (columns: time, metric, value, numerator, denominator, status, message)',
    ],
    [
      'time,metric,value,numerator,denominator\n+0m,e,1,1,2\n',
      's.csv:2: give either value or numerator and denominator, not both',
    ],
    [
      'time,metric,value,numerator,denominator\n+0m,e,,1,\n',
      's.csv:2: a data row needs value, or numerator and denominator (or status no-data / error)',
    ],
    [
      'time,metric,numerator,denominator\n+0m,e,-1,2\n',
      's.csv:2: numerator and denominator are counts: not negative',
    ],
    ['time,metric,value\n+0m,sent,lots\n', 's.csv:2: value must be a number, got "lots"'],
    [
      'time,metric,value,status\n+0m,sent,,broken\n',
      's.csv:2: status must be empty, "no-data" or "error", got "broken"',
    ],
    ['time,metric,value\n', 's.csv: the series has no rows'],
  ])('refuses bad CSV with path:line: %j', (text, message) => {
    expect(() => parseSeriesText(text, 's.csv')).toThrow(message);
  });

  it('refuses bad JSON', () => {
    expect(() => parseSeriesText('{"rows": []}', 's.json')).toThrow('s.json: expected a JSON array of rows');
    expect(() => parseSeriesText('[{"time": "+0m"}]', 's.json')).toThrow('s.json: row 1: metric:');
    expect(() => parseSeriesText('[', 's.json')).toThrow(StagegateError);
  });

  it('orders rows on the virtual clock, offsets from the origin', () => {
    const series = parseSeriesText('time,metric,value\n+10m,a,1\n+0m,a,2\n', 's.csv');
    expect(timedRows(series, T0).map((r) => [r.at - T0, r.value])).toEqual([
      [0, 2],
      [10 * MIN, 1],
    ]);
  });
});
