import { describe, expect, it } from 'vitest';
import { evaluateRows, evaluateSeries, eventsKey, type SeriesSpec } from '../../src/sandbox/scenario.js';

const T0 = 1_750_000_000_000;
const W = { from: T0, to: T0 + 600_000 }; // 10 minutes

describe('scenario series', () => {
  const at = (s: number) => T0 + s * 1000;
  it.each([
    ['no data', null, 'sum', null],
    ['constant rate, summed', { perSecond: 2 }, 'sum', 1200],
    ['constant rate, avg is the rate', { perSecond: 2 }, 'avg', 2],
    [
      'rate changing at +5 min, summed',
      { perSecond: (t: number) => (t < at(300) ? 1 : 3) },
      'sum',
      300 + 900,
    ],
    ['rate changing, max', { perSecond: (t: number) => (t < at(300) ? 1 : 3) }, 'max', 3],
    [
      'points inside the window only',
      {
        points: [
          [at(-1), 100],
          [at(0), 1],
          [at(599), 2],
          [at(600), 100],
        ],
      },
      'sum',
      3,
    ],
    [
      'points: last',
      {
        points: [
          [at(10), 5],
          [at(20), 7],
        ],
      },
      'last',
      7,
    ],
    ['no points in window', { points: [[at(700), 1]] }, 'sum', null],
    ['window function', { window: (from: number, to: number) => (to - from) / 1000 }, 'sum', 600],
    [
      'groups as a whole are summed',
      { groups: { prod: { perSecond: 1 }, dev: { perSecond: 0.5 } } },
      'sum',
      900,
    ],
  ] as const)('%s', (_name, spec, aggregator, expected) => {
    expect(evaluateSeries(spec as SeriesSpec, W.from, W.to, aggregator)).toBe(expected);
  });

  it('constant-rate counts are whole events and add up across adjacent windows', () => {
    const rate = { perSecond: 0.3 };
    const parts = [0, 1, 2, 3, 4, 5, 6].map((s) =>
      evaluateSeries(rate, T0 + s * 1000, T0 + (s + 1) * 1000, 'sum'),
    );
    expect(parts.every((n) => Number.isInteger(n))).toBe(true);
    expect(parts.reduce((a, b) => (a ?? 0) + (b ?? 0), 0)).toBe(evaluateSeries(rate, T0, T0 + 7000, 'sum'));
    expect(evaluateSeries(rate, T0, T0 + 7000, 'sum')).toBe(2);
  });

  it('an empty window has no data', () => {
    expect(evaluateSeries({ perSecond: 1 }, T0, T0, 'sum')).toBeNull();
  });

  it.each<[Parameters<typeof eventsKey>, string]>([
    [['logs', 'status:error'], 'logs:status:error'],
    [['rum', '@type:view', 'cardinality', '@usr.id'], 'rum:cardinality(@usr.id):@type:view'],
    [['rum', '@type:view', 'count', '@usr.id'], 'rum:@type:view'],
  ])('eventsKey%j = %s', (args, key) => {
    expect(eventsKey(...args)).toBe(key);
  });
});

describe('evaluateRows', () => {
  it('a grouped series answers one row per group, each evaluated on its own', () => {
    const rows = evaluateRows({ groups: { prod: { perSecond: 1 }, dev: null } }, W.from, W.to, 'sum');
    expect(rows).toEqual({
      kind: 'grouped',
      rows: new Map([
        ['prod', 600],
        ['dev', null],
      ]),
    });
  });

  it('an ungrouped or unknown series is a single value (no data when unknown)', () => {
    expect(evaluateRows({ perSecond: 2 }, W.from, W.to, 'sum')).toEqual({ kind: 'single', value: 1200 });
    expect(evaluateRows(undefined, W.from, W.to, 'sum')).toEqual({ kind: 'single', value: null });
  });
});
