import { describe, expect, it } from 'vitest';
import { SEQUENTIAL_DECISIONS } from '../../src/engine/decide.js';
import { advanceMeasurement, measurementOf, samplesReading } from '../../src/engine/decide-measurements.js';
import type { CusumState } from '../../src/engine/sequential/cusum.js';
import type { Measurement } from '../../src/ports/metrics-provider.js';
import {
  MIN,
  NO_DATA,
  PROVIDER_ERROR,
  T0,
  decideInput,
  makeRollout,
  ratio,
  ratioMetric,
  value,
  valueMetric,
} from './rollout-factory.js';

/* decide-measurements.ts: what each criterion of a decision reads. */

const calls = { ...valueMetric('calls'), noData: 'zero' as const };
const rollout = makeRollout({
  metrics: [ratioMetric('error_rate', { kind: 'duration', ms: 15 * MIN }), valueMetric('sent'), calls],
  rollback: ['error_rate > 5%'],
});

describe('measurementOf', () => {
  it.each<[string, Record<string, Measurement>, string, Measurement]>([
    ['a value as measured', { sent: value(7) }, 'sent', value(7)],
    ['a ratio as measured', { error_rate: ratio(1, 10) }, 'error_rate', ratio(1, 10)],
    ['no data as measured', { sent: NO_DATA }, 'sent', NO_DATA],
    ['a metric not measured is no data', {}, 'sent', { kind: 'no-data', reason: 'not measured' }],
    ['noData: zero reads no data as 0', { calls: NO_DATA }, 'calls', value(0)],
    ['noData: zero reads not measured as 0', {}, 'calls', value(0)],
    ['noData: zero keeps a provider error an error', { calls: PROVIDER_ERROR }, 'calls', PROVIDER_ERROR],
    ['noData: zero keeps a reading', { calls: value(3) }, 'calls', value(3)],
    [
      'an Object.prototype key is not a measurement',
      {},
      'constructor',
      { kind: 'no-data', reason: 'not measured' },
    ],
  ])('%s', (_name, measurements, metric, expected) => {
    expect(measurementOf(decideInput(rollout, { measurements }), metric)).toEqual(expected);
  });
});

describe('samplesReading', () => {
  it.each<[Measurement, number | null]>([
    [value(150), 150],
    [value(0), 0],
    [ratio(20, 2000), 2000],
    [NO_DATA, null],
    [PROVIDER_ERROR, null],
  ])('%j → %s', (m, expected) => {
    expect(samplesReading(m)).toBe(expected);
  });
});

describe('advanceMeasurement', () => {
  const detector = (trials: number, rawEvents: number): CusumState => ({
    s: 1.5,
    through: T0 + 30 * MIN,
    trials,
    events: rawEvents,
    rawEvents,
  });
  const detectors = { 'error_rate > 5%': detector(4000, 40) };
  const increments = { error_rate: { from: T0, to: T0 + 5 * MIN, events: 1, trials: 100 } };
  const windowed = ratio(3, 300);

  it('with the sequential methods and increments, reads the stage’s observations of the rollback detector', () => {
    const input = decideInput(rollout, { measurements: { error_rate: windowed }, increments });
    expect(advanceMeasurement(input, 'error_rate', detectors, SEQUENTIAL_DECISIONS)).toEqual({
      kind: 'ratio',
      numerator: 40,
      denominator: 4000,
      value: 0.01,
    });
  });

  it.each<[string, Parameters<typeof decideInput>[1], Record<string, CusumState>, object]>([
    ['without the sequential methods', { measurements: { error_rate: windowed }, increments }, detectors, {}],
    [
      'without increments (the window as measured is all there is)',
      { measurements: { error_rate: windowed } },
      detectors,
      SEQUENTIAL_DECISIONS,
    ],
    [
      'without a rollback detector on the metric',
      { measurements: { error_rate: windowed }, increments },
      {},
      SEQUENTIAL_DECISIONS,
    ],
    [
      'with a detector that has counted nothing yet',
      { measurements: { error_rate: windowed }, increments },
      { 'error_rate > 5%': detector(0, 0) },
      SEQUENTIAL_DECISIONS,
    ],
  ])('reads the window as measured %s', (_name, o, dets, opts) => {
    const input = decideInput(rollout, o);
    expect(advanceMeasurement(input, 'error_rate', dets, opts)).toEqual(windowed);
  });

  it('a value metric is read as measured, and noData: zero still applies', () => {
    const input = decideInput(rollout, { measurements: { sent: value(9) }, increments });
    expect(advanceMeasurement(input, 'sent', detectors, SEQUENTIAL_DECISIONS)).toEqual(value(9));
    expect(advanceMeasurement(input, 'calls', detectors, SEQUENTIAL_DECISIONS)).toEqual(value(0));
  });
});
