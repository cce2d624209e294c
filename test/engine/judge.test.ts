import { describe, expect, it } from 'vitest';
import { judgeCriterion, type Verdict } from '../../src/engine/judge.js';
import type { Measurement } from '../../src/ports/metrics-provider.js';
import { parseCriterion } from '../../src/rollout/criteria.js';
import { NO_DATA, PROVIDER_ERROR, ratio, value } from './rollout-factory.js';

const opts = { confidence: 0.95 };

describe('plain values compare directly, for every operator', () => {
  it.each<[string, number, Verdict, Verdict]>([
    ['calls < 2', 1, 'pass', 'breach'],
    ['calls < 2', 2, 'fail', 'ok'],
    ['calls <= 2', 2, 'pass', 'breach'],
    ['calls <= 2', 3, 'fail', 'ok'],
    ['calls > 2', 3, 'pass', 'breach'],
    ['calls > 2', 2, 'fail', 'ok'],
    ['calls >= 2', 2, 'pass', 'breach'],
    ['calls >= 2', 1, 'fail', 'ok'],
    ['calls == 0', 0, 'pass', 'breach'],
    ['calls == 0', 1, 'fail', 'ok'],
    ['calls != 0', 1, 'pass', 'breach'],
    ['calls != 0', 0, 'fail', 'ok'],
  ])('%s with %s: advance %s, rollback %s', (text, v, advance, rollback) => {
    const c = parseCriterion(text);
    expect(judgeCriterion(c, 'advance', value(v), opts).verdict).toBe(advance);
    expect(judgeCriterion(c, 'rollback', value(v), opts).verdict).toBe(rollback);
    expect(judgeCriterion(c, 'advance', value(v), opts).interval).toBeNull();
  });

  it('says what was measured against what', () => {
    const c = parseCriterion('contact_center_calls < 2');
    expect(judgeCriterion(c, 'advance', value(3), opts).reason).toBe('contact_center_calls 3 needs < 2');
    expect(judgeCriterion(c, 'advance', value(1), opts).reason).toBe('contact_center_calls 1 < 2');
    const r = parseCriterion('contact_center_calls >= 2');
    expect(judgeCriterion(r, 'rollback', value(2), opts).reason).toBe('contact_center_calls 2 breaches >= 2');
  });
});

describe('advance criteria on ratios are judged on the Wilson interval', () => {
  it.each<[string, number, number, Verdict]>([
    // interval entirely on the passing side
    ['error_rate < 5%', 10, 1000, 'pass'],
    // interval entirely on the failing side
    ['error_rate < 5%', 200, 1000, 'fail'],
    // straddles the threshold: small sample
    ['error_rate < 5%', 1, 30, 'inconclusive'],
    ['click_through > 30%', 400, 1000, 'pass'],
    ['click_through > 30%', 21, 100, 'fail'],
    ['click_through > 30%', 12, 30, 'inconclusive'],
    ['error_rate <= 5%', 30, 1000, 'pass'],
    ['click_through >= 30%', 400, 1000, 'pass'],
  ])('%s with %s/%s → %s', (text, x, n, verdict) => {
    expect(judgeCriterion(parseCriterion(text), 'advance', ratio(x, n), opts).verdict).toBe(verdict);
  });

  it('explains a hold with the value, interval and counts', () => {
    const r = judgeCriterion(parseCriterion('click_through > 30%'), 'advance', ratio(21, 100), opts);
    expect(r.reason).toBe('click_through 21% (14.2–30%, 21/100) needs > 30%');
    expect(r.value).toBeCloseTo(0.21, 12);
    expect(r.interval?.[0]).toBeCloseTo(0.14165654061915303, 12);
    expect(r.confidence).toBe(0.95);
    expect(r.samples).toBe(100);
  });

  it('names an inconclusive result as such', () => {
    const r = judgeCriterion(parseCriterion('error_rate < 5%'), 'advance', ratio(1, 30), opts);
    expect(r.reason).toBe('error_rate 3.33% (0.591–16.7%, 1/30) needs < 5%: inconclusive at 95%');
  });
});

describe('interval edges', () => {
  const lt = parseCriterion('error_rate < 5%');
  const gt = parseCriterion('error_rate > 5%');

  it('0 of 0 is no data, never zero', () => {
    expect(judgeCriterion(lt, 'advance', ratio(0, 0), opts)).toMatchObject({
      verdict: 'no-data',
      value: null,
      reason: 'error_rate: no data (denominator is 0)',
    });
    expect(judgeCriterion(gt, 'rollback', ratio(0, 0), opts).verdict).toBe('no-data');
  });

  it.each<[number, Verdict, Verdict]>([
    // 0 of n: the upper bound falls below 5% only with enough trials
    [10, 'inconclusive', 'ok'],
    [72, 'inconclusive', 'ok'],
    [80, 'pass', 'ok'],
  ])('0 of %s: advance %s, rollback %s', (n, advance, rollback) => {
    expect(judgeCriterion(lt, 'advance', ratio(0, n), opts).verdict).toBe(advance);
    expect(judgeCriterion(gt, 'rollback', ratio(0, n), opts).verdict).toBe(rollback);
  });

  it.each<[number, Verdict, Verdict]>([
    // n of n: Wilson already fails 1 of 1, but the exact lower bound of 1 of 1 is 2.5%: not yet a breach of 5%
    [1, 'fail', 'inconclusive'],
    [2, 'fail', 'breach'],
    [5, 'fail', 'breach'],
  ])('%s of the same number: advance %s, rollback %s', (n, advance, rollback) => {
    expect(judgeCriterion(lt, 'advance', ratio(n, n), opts).verdict).toBe(advance);
    expect(judgeCriterion(gt, 'rollback', ratio(n, n), opts).verdict).toBe(rollback);
  });
});

describe('rollback criteria on ratios: exact interval, error budget spent over looks', () => {
  const gt = parseCriterion('error_rate > 5% for 2 checks');

  it('breaches at the first look of a stage when the 95% exact interval is above the threshold', () => {
    const r = judgeCriterion(gt, 'rollback', ratio(13, 133), { confidence: 0.95, look: 1 });
    expect(r.verdict).toBe('breach');
    expect(r.confidence).toBe(0.95);
    expect(r.interval?.[0]).toBeCloseTo(0.05307838128824096, 10);
    expect(r.reason).toBe('error_rate 9.77% (5.31–16.1%, 13/133) breaches > 5% at 95%');
  });

  it('needs more evidence on a later look: the same counts at look 2 are not yet a breach', () => {
    const r = judgeCriterion(gt, 'rollback', ratio(13, 133), { confidence: 0.95, look: 2 });
    expect(r.verdict).toBe('inconclusive');
    expect(r.confidence).toBeCloseTo(1 - 0.05 / 3, 12);
    expect(r.reason).toBe('error_rate 9.77% (4.58–17.6%, 13/133) breaches > 5% but not yet at 98.33%');
  });

  it('is ok when the point estimate is on the safe side', () => {
    const r = judgeCriterion(gt, 'rollback', ratio(3, 200), { confidence: 0.95, look: 1 });
    expect(r.verdict).toBe('ok');
    expect(r.reason).toBe('error_rate 1.5% (0.31–4.32%, 3/200) within rollback > 5%');
  });

  it('judges `<` rollback criteria on the upper bound', () => {
    const c = parseCriterion('click_through < 20%');
    expect(judgeCriterion(c, 'rollback', ratio(50, 1000), opts).verdict).toBe('breach');
    expect(judgeCriterion(c, 'rollback', ratio(15, 100), opts).verdict).toBe('inconclusive');
  });
});

describe('what is compared directly even for ratios', () => {
  it('== and != compare the ratio itself', () => {
    expect(judgeCriterion(parseCriterion('error_rate == 0%'), 'advance', ratio(0, 10), opts)).toMatchObject({
      verdict: 'pass',
      interval: null,
    });
    expect(judgeCriterion(parseCriterion('error_rate != 0%'), 'rollback', ratio(1, 10), opts).verdict).toBe(
      'breach',
    );
  });

  it('a ratio that is not a proportion (numerator above denominator) is compared as a number', () => {
    const r = judgeCriterion(parseCriterion('calls_per_user < 2'), 'advance', ratio(30, 10), opts);
    expect(r).toMatchObject({
      verdict: 'fail',
      value: 3,
      interval: null,
      reason: 'calls_per_user 3 needs < 2',
    });
  });
});

describe('missing measurements', () => {
  const c = parseCriterion('error_rate < 5%');

  it.each<[Measurement, Verdict, string]>([
    [NO_DATA, 'no-data', 'error_rate: no data (no series)'],
    [PROVIDER_ERROR, 'error', 'error_rate: provider error E_PROVIDER_UNREACHABLE: connect ECONNREFUSED'],
    [value(Number.NaN), 'error', 'error_rate: provider returned NaN'],
  ])('%j → %s', (m, verdict, reason) => {
    for (const kind of ['advance', 'rollback'] as const) {
      expect(judgeCriterion(c, kind, m, opts)).toMatchObject({
        verdict,
        reason,
        value: null,
        interval: null,
      });
    }
  });
});
