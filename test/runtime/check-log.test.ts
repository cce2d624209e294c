import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../src/ports/metrics-provider.js';
import {
  checkLevel,
  metricFields,
  metricReadings,
  type JudgedCriterion,
} from '../../src/runtime/check-log.js';

const ratio: Measurement = { kind: 'ratio', value: 0.0123456, numerator: 123.456, denominator: 10_000 };

function judged(over: Partial<JudgedCriterion> & Pick<JudgedCriterion, 'text' | 'metric'>): JudgedCriterion {
  return { kind: 'advance', verdict: 'pass', value: null, interval: null, reason: null, ...over };
}

describe('metricFields', () => {
  it('gives each metric its rounded value, interval, counts and every criterion with its verdict', () => {
    const fields = metricFields({ error_rate: ratio }, [
      judged({ text: 'error_rate < 5%', metric: 'error_rate', interval: [0.0101234, 0.0149876] }),
      judged({
        text: 'error_rate > 5% for 2 checks',
        metric: 'error_rate',
        kind: 'rollback',
        verdict: 'ok',
        evidence: 'evidence 0.2 of 9.1',
      }),
    ]);
    expect(fields).toEqual({
      error_rate: {
        value: 0.01235,
        interval: [0.01012, 0.01499],
        counts: '123.5/10000',
        vs: ['error_rate < 5% → pass', 'error_rate > 5% for 2 checks → ok'],
        evidence: ['error_rate > 5% for 2 checks: evidence 0.2 of 9.1'],
      },
    });
  });

  it('says why a metric has no value, including one judged but never measured, in name order', () => {
    const fields = metricFields(
      {
        sent: { kind: 'no-data', reason: 'empty series' },
        calls: { kind: 'error', code: 'E_PROVIDER_UNREACHABLE', message: 'timeout' },
      },
      [judged({ text: 'clicks > 30%', metric: 'clicks', verdict: 'inconclusive' })],
    );
    expect(Object.keys(fields)).toEqual(['calls', 'clicks', 'sent']);
    expect(fields.sent).toEqual({ value: null, missing: 'no data: empty series', vs: [] });
    expect(fields.calls).toEqual({ value: null, missing: 'E_PROVIDER_UNREACHABLE: timeout', vs: [] });
    expect(fields.clicks).toEqual({ value: null, vs: ['clicks > 30% → inconclusive'] });
  });
});

describe('metricReadings', () => {
  it('groups criteria per metric, first value and first interval, verdicts joined', () => {
    const readings = metricReadings([
      judged({ text: 'a < 1', metric: 'a', value: 0.5, verdict: 'pass' }),
      judged({ text: 'b > 2', metric: 'b', value: 3, interval: [2.5, 3.5], verdict: 'breach' }),
      judged({ text: 'a >= 2 for 2 checks', metric: 'a', value: 0.5, interval: [0.1, 0.9], verdict: 'ok' }),
    ]);
    expect(readings).toEqual([
      {
        metric: 'a',
        value: 0.5,
        interval: [0.1, 0.9],
        criteria: ['a < 1', 'a >= 2 for 2 checks'],
        verdict: 'pass, ok',
      },
      { metric: 'b', value: 3, interval: [2.5, 3.5], criteria: ['b > 2'], verdict: 'breach' },
    ]);
  });
});

describe('checkLevel', () => {
  const fine = { a: { kind: 'value', value: 1 } as Measurement };
  it.each([
    ['rollback', {}, false, 'error'],
    // a rollback stays an error even with missing data
    ['rollback', { a: { kind: 'no-data', reason: 'x' } as Measurement }, true, 'error'],
    ['hold', fine, true, 'warn'],
    ['hold', { a: { kind: 'no-data', reason: 'x' } as Measurement }, false, 'warn'],
    ['advance', { a: { kind: 'error', code: 'E', message: 'm' } as Measurement }, false, 'warn'],
    ['advance', fine, false, 'info'],
    ['none', {}, false, 'info'],
  ] as const)('%s with %j, held too long %s → %s', (action, measurements, held, level) => {
    expect(checkLevel(action, measurements, held)).toBe(level);
  });
});
