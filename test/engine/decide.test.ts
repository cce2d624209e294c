import { describe, expect, it } from 'vitest';
import { decide, ZERO_COUNTERS, type DecideInput, type GateName } from '../../src/engine/decide.js';
import { beforeStart } from '../../src/engine/decide-start.js';
import type { Measurement } from '../../src/ports/metrics-provider.js';
import type { Rollout } from '../../src/rollout/types.js';
import {
  HOUR,
  MIN,
  NO_DATA,
  PROVIDER_ERROR,
  T0,
  breaching,
  healthy,
  decideInput,
  makeRollout,
  ratio,
  ratioMetric,
  stage,
  value,
  valueMetric,
} from './rollout-factory.js';

const WEEKDAYS = { days: ['mon', 'tue', 'wed', 'thu', 'fri'] as const, startMinute: 540, endMinute: 1020 };
const SATURDAY_NOON = Date.parse('2025-06-21T16:00:00Z');

function input(o: Partial<DecideInput> = {}, rollout: Rollout = makeRollout()): DecideInput {
  return decideInput(rollout, { measurements: healthy(), ...o });
}

function closedGates(i: DecideInput): GateName[] {
  return decide(i)
    .gates.filter((g) => !g.open)
    .map((g) => g.gate);
}

describe('advancing', () => {
  it('advances to the next stage when every gate is open', () => {
    const d = decide(input());
    expect(d).toMatchObject({ action: 'advance', cause: null, targetStage: 1, awaitingApproval: false });
    expect(d.reasons).toEqual(['advancing canary → half (50%)']);
    expect(d.gates.map((g) => [g.gate, g.open])).toEqual([
      ['minDuration', true],
      ['criteria', true],
      ['data', true],
      ['advanceDuring', true],
    ]);
  });
});

describe('each gate holds the rollout on its own', () => {
  const withSamples = makeRollout({ stages: [stage('canary', 10, { minSamples: 150 }), stage('full', 100)] });
  const samplesByRatio = makeRollout({
    stages: [stage('canary', 10, { minSamples: 3000 }), stage('full', 100)],
    samples: 'error_rate',
  });
  const weekdays = makeRollout({ advanceDuring: WEEKDAYS });
  const approvalNext = makeRollout({ stages: [stage('canary', 10), stage('full', 100, { approval: true })] });

  it.each<[string, DecideInput, GateName[], string]>([
    ['minDuration', input({ now: T0 + 30 * MIN }), ['minDuration'], '30m of minDuration 1h in canary'],
    [
      'minSamples',
      input({ measurements: { error_rate: ratio(0, 100), sent: value(100) } }, withSamples),
      ['minSamples'],
      '100 of minSamples 150 sent',
    ],
    [
      'minSamples from a ratio’s denominator',
      input({ measurements: { error_rate: ratio(20, 2000) } }, samplesByRatio),
      ['minSamples'],
      '2000 of minSamples 3000 error_rate',
    ],
    [
      'minSamples without a reading',
      input({ measurements: { error_rate: ratio(20, 2000), sent: NO_DATA } }, withSamples),
      ['minSamples', 'data'],
      'no sent reading for minSamples 150; no data for sent',
    ],
    [
      'a failing criterion',
      input({ measurements: { error_rate: ratio(200, 1000), sent: value(1000) } }),
      ['criteria'],
      'error_rate 20% (17.6–22.6%, 200/1000) needs < 5%; error_rate 20% (17.6–22.6%, 200/1000) breaches > 5% at 95% (1 of 2 checks)',
    ],
    [
      'an inconclusive criterion',
      input({ measurements: { error_rate: ratio(1, 30), sent: value(30) } }),
      ['criteria'],
      'error_rate 3.33% (0.591–16.7%, 1/30) needs < 5%: inconclusive at 95%',
    ],
    [
      'no data',
      input({ measurements: { error_rate: NO_DATA, sent: value(10) } }),
      ['criteria', 'data'],
      'error_rate: no data (no series); no data for error_rate',
    ],
    [
      'outside advanceDuring',
      input({ now: SATURDAY_NOON, stageStartedAt: SATURDAY_NOON - 2 * HOUR }, weekdays),
      ['advanceDuring'],
      'outside advanceDuring mon,tue,wed,thu,fri 09:00-17:00 (sat 12:00 America/New_York)',
    ],
    [
      'approval of the next stage',
      input({}, approvalNext),
      ['approval'],
      'full requires approval, waiting for approve',
    ],
  ])('%s', (_name, i, gates, reason) => {
    const d = decide(i);
    expect(d.action).toBe('hold');
    expect(closedGates(i)).toEqual(gates);
    expect(d.reasons.join('; ')).toBe(reason);
  });

  it('waits for approval only when approval is the one thing missing', () => {
    expect(decide(input({}, approvalNext)).awaitingApproval).toBe(true);
    expect(decide(input({ now: T0 + 10 * MIN }, approvalNext)).awaitingApproval).toBe(false);
    expect(decide(input({ approved: true }, approvalNext))).toMatchObject({
      action: 'advance',
      targetStage: 1,
    });
  });
});

describe('before the first stage', () => {
  // its gates are decide-start.ts's (test/engine/decide-start.test.ts); decide hands the whole decision over
  it('decides by beforeStart, whatever the measurements say', () => {
    const i = input({ stageIndex: -1, stageStartedAt: null, now: T0, measurements: breaching() });
    expect(decide(i)).toEqual(beforeStart(i));
    expect(decide(i).results).toEqual([]);
  });
});

describe('the last stage completes', () => {
  const last = { stageIndex: 2 };

  it('when its criteria held for its minDuration', () => {
    expect(decide(input(last))).toMatchObject({
      action: 'complete',
      reasons: ['full held every criterion for 2h: complete'],
    });
  });

  it('even outside advanceDuring: completing exposes nobody new', () => {
    const d = decide(
      input(
        { ...last, now: SATURDAY_NOON, stageStartedAt: SATURDAY_NOON - 2 * HOUR },
        makeRollout({ advanceDuring: WEEKDAYS }),
      ),
    );
    expect(d.action).toBe('complete');
  });

  it('not before its minDuration', () => {
    expect(decide(input({ ...last, now: T0 + 10 * MIN })).action).toBe('hold');
  });
});

describe('pauses', () => {
  it('maxStageDuration: a stage held past its deadline pauses, with the hold reasons', () => {
    const rollout = makeRollout({ policy: { maxStageDurationMs: 72 * HOUR } });
    const d = decide(
      input(
        { stageDeadline: T0 + HOUR, measurements: { error_rate: ratio(1, 30), sent: value(30) } },
        rollout,
      ),
    );
    expect(d).toMatchObject({ action: 'pause', cause: 'stuck' });
    expect(d.reasons[0]).toBe('held in canary past maxStageDuration 3d');
  });

  it('a stage ready to advance at its deadline advances instead', () => {
    expect(decide(input({ stageDeadline: T0 + HOUR })).action).toBe('advance');
  });

  it('maxConsecutiveErrors: the third check in a row with a provider error pauses', () => {
    const m = { error_rate: PROVIDER_ERROR, sent: value(10) };
    expect(decide(input({ measurements: m, counters: { ...ZERO_COUNTERS, errors: 1 } }))).toMatchObject({
      action: 'hold',
      nextCounters: { errors: 2 },
    });
    const d = decide(input({ measurements: m, counters: { ...ZERO_COUNTERS, errors: 2 } }));
    expect(d).toMatchObject({ action: 'pause', cause: 'errors', nextCounters: { errors: 3 } });
    expect(d.reasons).toEqual([
      'provider errors in 3 consecutive checks (maxConsecutiveErrors 3)',
      'error_rate: provider error E_PROVIDER_UNREACHABLE: connect ECONNREFUSED',
    ]);
  });

  it('a clean check resets the error count; a metric no criterion reads does not count', () => {
    expect(decide(input({ counters: { ...ZERO_COUNTERS, errors: 2 } })).nextCounters.errors).toBe(0);
    const extra = makeRollout({
      metrics: [ratioMetric('error_rate'), valueMetric('sent'), valueMetric('unused')],
    });
    const d = decide(input({ measurements: { ...healthy(), unused: PROVIDER_ERROR } }, extra));
    expect(d.nextCounters.errors).toBe(0);
    expect(d.action).toBe('advance');
  });
});

describe('policy.noData', () => {
  const missing = { error_rate: NO_DATA, sent: value(0) };
  it.each<['hold' | 'pause' | 'rollback', string, string | null]>([
    ['hold', 'hold', null],
    ['pause', 'pause', 'no-data'],
    ['rollback', 'rollback', 'no-data'],
  ])('%s → %s', (noData, action, cause) => {
    const d = decide(input({ measurements: missing }, makeRollout({ policy: { noData } })));
    expect(d).toMatchObject({ action, cause });
  });

  it('a metric that was not measured at all is no data', () => {
    const d = decide(
      input({ measurements: { sent: value(100) } }, makeRollout({ policy: { noData: 'pause' } })),
    );
    expect(d.reasons).toEqual(['no data for error_rate (policy.noData: pause)']);
  });
});

describe('rollback', () => {
  const text = 'error_rate > 5% for 2 checks';

  it('needs `for 2 checks` consecutive breaches; the first one holds and says so', () => {
    const first = decide(input({ measurements: breaching() }));
    expect(first.action).toBe('hold');
    expect(first.nextCounters.breaches[text]).toBe(1);
    expect(first.reasons.join('; ')).toContain('breaches > 5% at 95% (1 of 2 checks)');
    const second = decide(input({ measurements: breaching(), counters: first.nextCounters }));
    expect(second).toMatchObject({ action: 'rollback', cause: 'breach' });
    expect(second.reasons).toEqual([
      'error_rate 20% (15.9–24.6%, 100/500) breaches > 5% at 98.33% for 2 of 2 checks',
    ]);
  });

  it.each<[string, Measurement, number]>([
    ['an ok check breaks the streak', ratio(5, 1000), 0],
    ['an inconclusive check breaks the streak', ratio(2, 20), 0],
    ['no data neither extends nor breaks it', NO_DATA, 1],
    ['a provider error neither extends nor breaks it', PROVIDER_ERROR, 1],
  ])('%s', (_name, m, streak) => {
    const d = decide(
      input({
        measurements: { error_rate: m, sent: value(100) },
        counters: { ...ZERO_COUNTERS, breaches: { [text]: 1 } },
      }),
    );
    expect(d.nextCounters.breaches[text]).toBe(streak);
  });

  it('applies at any hour and before minDuration', () => {
    const rollout = makeRollout({ advanceDuring: WEEKDAYS, rollback: ['error_rate > 5%'] });
    const d = decide(
      input(
        { now: SATURDAY_NOON, stageStartedAt: SATURDAY_NOON - 5 * MIN, measurements: breaching() },
        rollout,
      ),
    );
    expect(d.action).toBe('rollback');
  });

  it('wins over provider errors and missing data', () => {
    const rollout = makeRollout({
      rollback: ['calls >= 2'],
      advance: ['error_rate < 5%'],
      metrics: [ratioMetric('error_rate'), valueMetric('sent'), valueMetric('calls')],
      policy: { noData: 'pause' },
    });
    const d = decide(
      input(
        {
          measurements: { error_rate: PROVIDER_ERROR, sent: NO_DATA, calls: value(3) },
          counters: { ...ZERO_COUNTERS, errors: 5 },
        },
        rollout,
      ),
    );
    expect(d).toMatchObject({ action: 'rollback', cause: 'breach', reasons: ['calls 3 breaches >= 2'] });
  });

  it('counts a look only when the criterion was judged on an interval', () => {
    const looks = (m: Measurement) =>
      decide(input({ measurements: { error_rate: m, sent: value(1) } })).nextCounters.looks[text];
    expect(looks(ratio(1, 100))).toBe(1);
    expect(looks(NO_DATA)).toBe(0);
    expect(looks(PROVIDER_ERROR)).toBe(0);
    const later = decide(input({ counters: { ...ZERO_COUNTERS, looks: { [text]: 4 } } }));
    expect(later.nextCounters.looks[text]).toBe(5);
    expect(later.results[0]?.confidence).toBeCloseTo(1 - 0.05 / 15, 12);
  });

  it('a rollback criterion breaching short of its count also holds an otherwise ready stage', () => {
    const rollout = makeRollout({
      advance: ['error_rate < 5%'],
      rollback: ['calls >= 2 for 3 checks'],
      metrics: [ratioMetric('error_rate'), valueMetric('sent'), valueMetric('calls')],
    });
    const d = decide(input({ measurements: { ...healthy(), calls: value(2) } }, rollout));
    expect(d.action).toBe('hold');
    expect(d.reasons).toEqual(['calls 2 breaches >= 2 (1 of 3 checks)']);
  });
});
