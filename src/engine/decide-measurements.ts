import type { Measurement } from '../ports/metrics-provider.js';
import type { DecideInput, DecideOptions } from './decide.js';
import { own } from './dict.js';
import type { CusumState } from './sequential/cusum.js';

/* What each criterion of a decision reads: `noData: zero`, and the stage's observations for advance ratios. */

const NOT_MEASURED: Measurement = { kind: 'no-data', reason: 'not measured' };

const ZERO: Measurement = { kind: 'value', value: 0 };

export function measurementOf(input: DecideInput, metric: string): Measurement {
  const m = own(input.measurements, metric) ?? NOT_MEASURED;
  if (m.kind === 'no-data' && own(input.rollout.metrics, metric)?.noData === 'zero') return ZERO;
  return m;
}

/**
 * What an advance criterion on a ratio is judged on. The confidence sequence
 * is valid over a growing sample, so with the sequential methods and
 * increments supplied for a sliding-window metric it reads the stage's
 * observations counted by that metric's rollback detector (a 15-minute window
 * at a 2% canary never holds enough users to prove anything); otherwise the
 * metric's window as measured.
 */
export function advanceMeasurement(
  input: DecideInput,
  metric: string,
  detectors: Readonly<Record<string, CusumState>>,
  opts: DecideOptions,
): Measurement {
  const m = measurementOf(input, metric);
  if (opts.sequential !== true || m.kind !== 'ratio' || own(input.increments, metric) === undefined) return m;
  const c = input.rollout.criteria.rollback.find((r) => r.metric === metric && own(detectors, r.text));
  const state = c ? own(detectors, c.text) : undefined;
  if (!state || !(state.trials > 0)) return m;
  return {
    kind: 'ratio',
    numerator: state.rawEvents,
    denominator: state.trials,
    value: state.rawEvents / state.trials,
  };
}

export function samplesReading(m: Measurement): number | null {
  if (m.kind === 'value') return m.value;
  if (m.kind === 'ratio') return m.denominator;
  return null;
}
