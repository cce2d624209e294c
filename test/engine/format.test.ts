import { describe, expect, it } from 'vitest';
import {
  formatConfidence,
  formatCount,
  formatInterval,
  formatThreshold,
  formatValue,
  stageLabel,
} from '../../src/engine/format.js';
import { parseCriterion } from '../../src/rollout/criteria.js';
import { makeRollout, stage } from './rollout-factory.js';

describe('formatValue', () => {
  it.each([
    [0, true, '0%'],
    [0.05, true, '5%'],
    [0.012345, true, '1.23%'],
    [1, true, '100%'],
    [0, false, '0'],
    [2, false, '2'],
    [0.123456, false, '0.1235'],
    [1234.5678, false, '1235'],
    [-0.5, false, '-0.5'],
  ])('formatValue(%s, %s) is %s', (value, percent, expected) => {
    expect(formatValue(value, percent)).toBe(expected);
  });
});

describe('formatInterval', () => {
  it.each([
    [[0.012, 0.038], true, '1.2–3.8%'],
    [[0.12, 0.38], false, '0.12–0.38'],
    [[0, 0.0123456], true, '0–1.23%'],
    [[1.23456, 9.87654], false, '1.23–9.88'],
  ] as const)('formatInterval(%j, %s) is %s', (interval, percent, expected) => {
    expect(formatInterval(interval, percent)).toBe(expected);
  });
});

describe('formatThreshold', () => {
  it.each([
    ['error_rate < 5%', '< 5%'],
    ['p99 <= 250', '<= 250'],
    ['conversion >= 2', '>= 2'],
  ])('%s shows %s', (text, expected) => {
    expect(formatThreshold(parseCriterion(text))).toBe(expected);
  });
});

describe('formatConfidence and formatCount', () => {
  it.each([
    [0.95, '95%'],
    [0.992, '99.2%'],
    [0.9999, '99.99%'],
    [0.99999, '100%'],
  ])('formatConfidence(%s) is %s', (c, expected) => {
    expect(formatConfidence(c)).toBe(expected);
  });

  it.each([
    [0, '0'],
    [1500, '1500'],
    [12.3456, '12.35'],
    [1e16, '10000000000000000'],
    [-2.5, '-2.5'],
  ])('formatCount(%s) is %s', (n, expected) => {
    expect(formatCount(n)).toBe(expected);
  });
});

describe('stageLabel', () => {
  const rollout = makeRollout({ stages: [stage('canary', 2.5), stage('full', 100)] });
  it.each([
    [0, 'canary (2.5%)'],
    [1, 'full (100%)'],
    [2, 'not started'],
    [-1, 'not started'],
  ])('stage %i is %s', (index, expected) => {
    expect(stageLabel(rollout, index)).toBe(expected);
  });
});
