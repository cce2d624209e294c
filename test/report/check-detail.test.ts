import { describe, expect, it } from 'vitest';
import { parseCheckDetail } from '../../src/report/check-detail.js';

describe('parseCheckDetail', () => {
  it('keeps the parts that parse and drops the rest', () => {
    const d = parseCheckDetail({
      measurements: {
        a: { kind: 'value', value: 1 },
        b: { kind: 'weird' },
        c: { kind: 'no-data', reason: 'empty' },
      },
      results: [
        { criterion: 'a < 2', kind: 'advance', verdict: 'pass', value: 1 },
        { criterion: { text: 'b > 1' }, kind: 'advance', verdict: 'pass', value: 1 },
      ],
      decision: 'advance',
      errors: 'nope',
      postLaunch: 604800000,
    });
    expect(d).toEqual({
      state: null,
      toggle: null,
      exposure: null,
      durationMs: null,
      measurements: { a: { kind: 'value', value: 1 }, c: { kind: 'no-data', reason: 'empty' } },
      results: [
        {
          criterion: { text: 'a < 2', metric: 'a', percent: false },
          kind: 'advance',
          verdict: 'pass',
          value: 1,
          interval: null,
          reason: null,
        },
      ],
      decision: { action: 'advance', reasons: [] },
      errors: null,
      postLaunch: { offsetMs: 604800000 },
    });
  });

  it.each([[undefined], [null], ['text'], [42]])('%j → an empty detail', (raw) => {
    expect(parseCheckDetail(raw)).toEqual({
      state: null,
      toggle: null,
      exposure: null,
      durationMs: null,
      measurements: {},
      results: [],
      decision: null,
      errors: null,
      postLaunch: null,
    });
  });
});
