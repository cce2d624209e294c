import { describe, expect, it } from 'vitest';
import { parseCriterion } from '../../src/rollout/criteria.js';
import type { MetricSpec } from '../../src/rollout/types.js';
import { ratioShare, seriesForMetric, valueOverride } from '../../src/sandbox/sandbox-traffic.js';
import { evaluateSeries } from '../../src/sandbox/scenario.js';

const rollout = (advance: string[], rollback: string[]) => ({
  criteria: { advance: advance.map(parseCriterion), rollback: rollback.map(parseCriterion) },
});

describe('ratioShare', () => {
  it.each([
    [['error_rate < 5%'], ['error_rate > 5% for 2 checks'], 'healthy', 0.01],
    [['error_rate < 5%'], ['error_rate > 5% for 2 checks'], 'breached', 0.2],
    [['click_through > 30%'], [], 'healthy', 0.65],
    [[], [], 'healthy', 0.01],
    [[], ['conversion < 10%'], 'breached', 0.025],
  ] as const)('%j / %j %s → %s', (advance, rollback, health, share) => {
    const metric = (advance[0] ?? rollback[0] ?? 'error_rate').split(' ')[0] as string;
    expect(ratioShare(metric, rollout([...advance], [...rollback]), health)).toBeCloseTo(share);
  });

  it('a healthy share passes every advance criterion and no breached share does', () => {
    const r = rollout(['error_rate < 5%'], ['error_rate > 10%']);
    expect(ratioShare('error_rate', r, 'healthy')).toBeLessThan(0.05);
    expect(ratioShare('error_rate', r, 'breached')).toBeGreaterThan(0.1);
  });
});

describe('valueOverride', () => {
  it.each([
    [['contact_center_calls < 2'], ['contact_center_calls >= 2'], 'healthy', 0],
    [['contact_center_calls < 2'], ['contact_center_calls >= 2'], 'breached', 5],
    [[], [], 'healthy', undefined],
  ] as const)('%j / %j %s → %s', (advance, rollback, health, value) => {
    expect(valueOverride('contact_center_calls', rollout([...advance], [...rollback]), health)).toBe(value);
  });
});

describe('seriesForMetric', () => {
  it('a ratio: denominator and numerator grow with the exposure, at the share', () => {
    const metric: MetricSpec = {
      name: 'error_rate',
      provider: undefined,
      query: { kind: 'ratio', numerator: 'n', denominator: 'd' },
      window: { kind: 'duration', ms: 60_000 },
    };
    let percent = 0;
    const [den, num] = seriesForMetric(metric, rollout(['error_rate < 5%'], []), 'healthy', () => percent);
    expect([den?.key, num?.key]).toEqual(['d', 'n']);
    const at0 = evaluateSeries(den!.spec, 0, 10_000, 'sum');
    percent = 50;
    const at50 = evaluateSeries(den!.spec, 0, 10_000, 'sum');
    expect(at50).toBeGreaterThan(at0 as number);
    expect((evaluateSeries(num!.spec, 0, 10_000, 'sum') as number) / (at50 as number)).toBeCloseTo(0.01, 2);
  });
});
