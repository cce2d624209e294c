import { describe, expect, it } from 'vitest';
import type { DecideInput } from '../../src/engine/decide.js';
import { measurementOf } from '../../src/engine/decide-measurements.js';
import { stageGates, type GateInput } from '../../src/engine/decide-gates.js';
import type { Rollout } from '../../src/rollout/types.js';
import { HOUR, MIN, NO_DATA, T0, decideInput, makeRollout, ratio, stage, value } from './rollout-factory.js';

/* decide-gates.ts: the gates of advancing, each with its detail, in a fixed order. */

const SATURDAY_NOON = Date.parse('2025-06-21T16:00:00Z');
const WEEKDAYS = { days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const, startMinute: 540, endMinute: 1020 };

function gateInput(
  rollout: Rollout,
  o: Partial<DecideInput> = {},
  g: Partial<Omit<GateInput, 'input'>> = {},
): GateInput {
  const input = decideInput(rollout, o);
  return {
    input,
    stageIndex: input.stageIndex,
    last: input.stageIndex === rollout.stages.length - 1,
    needsSamples: true,
    measurementOf: (metric) => measurementOf(input, metric),
    notPassing: [],
    missing: [],
    errored: [],
    ...g,
  };
}

const withSamples = makeRollout({ stages: [stage('canary', 10, { minSamples: 150 }), stage('full', 100)] });

describe('stageGates', () => {
  it('all open: minDuration, minSamples, criteria, data, advanceDuring, in that order', () => {
    const out = stageGates(gateInput(withSamples, { measurements: { sent: value(1500) } }));
    expect(out).toEqual({
      samples: 1500,
      elapsed: 2 * HOUR,
      gates: [
        { gate: 'minDuration', open: true, detail: '2h of minDuration 1h in canary' },
        { gate: 'minSamples', open: true, detail: '1500 of minSamples 150 sent' },
        { gate: 'criteria', open: true, detail: 'every advance criterion passes' },
        { gate: 'data', open: true, detail: 'every metric measured' },
        { gate: 'advanceDuring', open: true, detail: 'no advanceDuring window' },
      ],
    });
  });

  it.each<[string, GateInput, string, boolean, string]>([
    [
      'minDuration not elapsed',
      gateInput(withSamples, { now: T0 + 59 * MIN }),
      'minDuration',
      false,
      '59m of minDuration 1h in canary',
    ],
    [
      'minDuration exactly elapsed',
      gateInput(withSamples, { now: T0 + HOUR }),
      'minDuration',
      true,
      '1h of minDuration 1h in canary',
    ],
    [
      'a stage not started has elapsed nothing',
      gateInput(withSamples, { stageStartedAt: null }),
      'minDuration',
      false,
      '0s of minDuration 1h in canary',
    ],
    [
      'minSamples short',
      gateInput(withSamples, { measurements: { sent: value(149) } }),
      'minSamples',
      false,
      '149 of minSamples 150 sent',
    ],
    [
      'minSamples reached exactly',
      gateInput(withSamples, { measurements: { sent: value(150) } }),
      'minSamples',
      true,
      '150 of minSamples 150 sent',
    ],
    [
      'minSamples without a reading',
      gateInput(withSamples, { measurements: { sent: NO_DATA } }),
      'minSamples',
      false,
      'no sent reading for minSamples 150',
    ],
    [
      'minSamples from a ratio’s denominator',
      gateInput(makeRollout({ samples: 'error_rate', stages: [stage('canary', 10, { minSamples: 100 })] }), {
        measurements: { error_rate: ratio(1, 120) },
      }),
      'minSamples',
      true,
      '120 of minSamples 100 error_rate',
    ],
    [
      'criteria not passing, each said',
      gateInput(withSamples, {}, { notPassing: ['a needs < 5%', 'b breaches > 2 (1 of 2 checks)'] }),
      'criteria',
      false,
      'a needs < 5%; b breaches > 2 (1 of 2 checks)',
    ],
    [
      'missing and errored metrics, missing first',
      gateInput(withSamples, {}, { missing: ['sent'], errored: ['error_rate'] }),
      'data',
      false,
      'no data for sent; provider error for error_rate',
    ],
    [
      'outside advanceDuring',
      gateInput(makeRollout({ advanceDuring: WEEKDAYS }), { now: SATURDAY_NOON }),
      'advanceDuring',
      false,
      'outside advanceDuring mon,tue,wed,thu,fri 09:00-17:00 (sat 12:00 America/New_York)',
    ],
    [
      'the next stage waits for approval',
      gateInput(makeRollout({ stages: [stage('canary', 10), stage('full', 100, { approval: true })] })),
      'approval',
      false,
      'full requires approval, waiting for approve',
    ],
    [
      'the next stage approved',
      gateInput(makeRollout({ stages: [stage('canary', 10), stage('full', 100, { approval: true })] }), {
        approved: true,
      }),
      'approval',
      true,
      'full approved',
    ],
  ])('%s', (_name, g, gate, open, detail) => {
    const found = stageGates(g).gates.filter((x) => x.gate === gate);
    expect(found).toEqual([{ gate, open, detail }]);
  });

  it('minSamples is a gate only when samples are needed and the rollout names its metric', () => {
    const names = (g: GateInput) => stageGates(g).gates.map((x) => x.gate);
    expect(names(gateInput(withSamples, {}, { needsSamples: false }))).not.toContain('minSamples');
    expect(stageGates(gateInput(withSamples, {}, { needsSamples: false })).samples).toBeNull();
    const noSamples = makeRollout({ samples: undefined });
    expect(names(gateInput(noSamples))).not.toContain('minSamples');
    // a stage without minSamples still counts against 0
    expect(stageGates(gateInput(makeRollout(), { measurements: { sent: value(0) } })).gates[1]).toEqual({
      gate: 'minSamples',
      open: true,
      detail: '0 of minSamples 0 sent',
    });
  });

  it('the last stage has neither advanceDuring nor an approval gate: completing exposes nobody new', () => {
    const r = makeRollout({ advanceDuring: WEEKDAYS, stages: [stage('canary', 10), stage('full', 100)] });
    const g = gateInput(r, { stageIndex: 1, now: SATURDAY_NOON, stageStartedAt: SATURDAY_NOON - HOUR });
    expect(stageGates(g).gates.map((x) => x.gate)).toEqual(['minDuration', 'minSamples', 'criteria', 'data']);
  });

  it('refuses a stage the rollout does not have', () => {
    expect(() => stageGates(gateInput(withSamples, { stageIndex: 5 }))).toThrow(RangeError);
  });
});
