import type { Measurement } from '../ports/metrics-provider.js';
import { formatDuration } from '../rollout/duration.js';
import type { DecideInput, GateResult } from './decide.js';
import { advanceDuringGate } from './decide-start.js';
import { samplesReading } from './decide-measurements.js';
import { formatCount } from './format.js';

/*
 * The gates of advancing (docs/decisions.md "Gates"), computed up front so
 * every decision carries them: minDuration, minSamples, criteria, data, and
 * — except on the last stage — advanceDuring and the next stage's approval.
 */

export interface GateInput {
  readonly input: DecideInput;
  readonly stageIndex: number;
  readonly last: boolean;
  readonly needsSamples: boolean;
  readonly measurementOf: (metric: string) => Measurement;
  /** advance criteria not passing, and rollback criteria breaching short of their `for` clause */
  readonly notPassing: readonly string[];
  readonly missing: readonly string[];
  readonly errored: readonly string[];
}

export interface Gates {
  readonly gates: GateResult[];
  readonly samples: number | null;
  readonly elapsed: number;
}

export function stageGates(g: GateInput): Gates {
  const { input, stageIndex, last, needsSamples, notPassing, missing, errored } = g;
  const { rollout, now } = input;
  const stage = rollout.stages[stageIndex];
  if (!stage) throw new RangeError(`rollout ${rollout.name} has no stage ${stageIndex}`);
  // the samples gate and the others are computed up front so every decision carries them
  const gates: GateResult[] = [];
  const elapsed = input.stageStartedAt === null ? 0 : now - input.stageStartedAt;
  gates.push({
    gate: 'minDuration',
    open: elapsed >= stage.minDurationMs,
    detail: `${formatDuration(Math.max(0, elapsed))} of minDuration ${formatDuration(stage.minDurationMs)} in ${stage.name}`,
  });
  let samples: number | null = null;
  if (needsSamples && rollout.samples !== undefined) {
    samples = samplesReading(g.measurementOf(rollout.samples));
    const min = stage.minSamples ?? 0;
    gates.push({
      gate: 'minSamples',
      open: samples !== null && samples >= min,
      detail:
        samples === null
          ? `no ${rollout.samples} reading for minSamples ${min}`
          : `${formatCount(samples)} of minSamples ${min} ${rollout.samples}`,
    });
  }
  // a rollback criterion breaching, even short of its `for N checks`, also holds the rollout where it is
  gates.push({
    gate: 'criteria',
    open: notPassing.length === 0,
    detail: notPassing.length === 0 ? 'every advance criterion passes' : notPassing.join('; '),
  });
  gates.push({
    gate: 'data',
    open: missing.length === 0 && errored.length === 0,
    detail:
      missing.length + errored.length === 0
        ? 'every metric measured'
        : [...missing.map((m) => `no data for ${m}`), ...errored.map((m) => `provider error for ${m}`)].join(
            '; ',
          ),
  });
  if (!last) {
    gates.push(advanceDuringGate(input));
    const next = rollout.stages[stageIndex + 1];
    if (next?.approval) {
      gates.push({
        gate: 'approval',
        open: input.approved,
        detail: input.approved
          ? `${next.name} approved`
          : `${next.name} requires approval, waiting for approve`,
      });
    }
  }
  return { gates, samples, elapsed };
}
