import { describe, expect, it } from 'vitest';
import {
  judgeRollback,
  type RollbackCounters,
  type RollbackInput,
} from '../../src/engine/decide-rollback.js';
import type { CriterionResult, JudgeOptions, Verdict } from '../../src/engine/judge.js';
import type { CusumState } from '../../src/engine/sequential/cusum.js';
import type { Measurement } from '../../src/ports/metrics-provider.js';
import type { Rollout } from '../../src/rollout/types.js';
import { MIN, NO_DATA, T0, makeRollout, ratio, ratioMetric, value, valueMetric } from './rollout-factory.js';

/*
 * decide-rollback.ts: one check of the rollback criteria — which judge
 * decides each, the `for` streaks, looks, and the CUSUM state. The judge is a
 * stub here (its verdicts are judge.ts's, tested there), so each case says
 * only what this module adds.
 */

const NOW = T0 + 30 * MIN;
const EMPTY: RollbackCounters = { breaches: {}, looks: {} };

interface Call {
  readonly m: Measurement;
  readonly opts: JudgeOptions;
  readonly index: number;
}

/** A judge answering `verdicts[index]`, an interval when `withInterval`; records its calls. */
function stubJudge(rollout: Rollout, verdicts: readonly Verdict[], withInterval = true) {
  const calls: Call[] = [];
  const judge = (m: Measurement, opts: JudgeOptions, index: number): CriterionResult => {
    calls.push({ m, opts, index });
    const criterion = rollout.criteria.rollback[index];
    if (!criterion) throw new RangeError(`no criterion ${index}`);
    const verdict = verdicts[index] ?? 'ok';
    return {
      criterion,
      kind: 'rollback',
      verdict,
      value: null,
      interval: withInterval && verdict !== 'no-data' ? [0, 1] : null,
      confidence: null,
      samples: null,
      reason: `${criterion.metric} ${verdict}`,
    };
  };
  return { calls, judge };
}

function rollbackInput(
  rollout: Rollout,
  judge: RollbackInput['judge'],
  o: Partial<RollbackInput> = {},
  measurements: Record<string, Measurement> = {},
): RollbackInput {
  return {
    rollout,
    now: NOW,
    stageStartedAt: T0,
    counters: EMPTY,
    measurementOf: (metric) => measurements[metric] ?? NO_DATA,
    increments: undefined,
    sequential: false,
    judge,
    ...o,
  };
}

const values = [valueMetric('calls'), valueMetric('latency')];

describe('judgeRollback with the per-look judge', () => {
  it('asks the judge for every criterion in order, with policy.confidence and the next look', () => {
    const r = makeRollout({ rollback: ['calls >= 2', 'latency > 2000'], metrics: values });
    const { calls, judge } = stubJudge(r, ['ok', 'ok']);
    const out = judgeRollback(
      rollbackInput(
        r,
        judge,
        { counters: { breaches: {}, looks: { 'latency > 2000': 4 } } },
        { calls: value(1) },
      ),
    );
    expect(calls).toEqual([
      { m: value(1), opts: { confidence: 0.95, look: 1 }, index: 0 },
      { m: NO_DATA, opts: { confidence: 0.95, look: 5 }, index: 1 },
    ]);
    expect(out.results.map((x) => x.criterion.text)).toEqual(['calls >= 2', 'latency > 2000']);
    expect(out.looks).toEqual({ 'calls >= 2': 1, 'latency > 2000': 5 });
  });

  it('counts a look only when the verdict rests on an interval', () => {
    const r = makeRollout({ rollback: ['calls >= 2'], metrics: values });
    const { judge } = stubJudge(r, ['ok'], false);
    const out = judgeRollback(
      rollbackInput(r, judge, { counters: { breaches: {}, looks: { 'calls >= 2': 3 } } }),
    );
    expect(out.looks).toEqual({ 'calls >= 2': 3 });
  });

  it.each<[string, string, Verdict, number, number, string[], string[]]>([
    // name, criterion, verdict, streak before, streak after, breached, watching
    ['a breach without a for clause rolls back at once', 'calls >= 2', 'breach', 0, 1, ['calls breach'], []],
    [
      'the first of 2 checks watches',
      'calls >= 2 for 2 checks',
      'breach',
      0,
      1,
      [],
      ['calls breach (1 of 2 checks)'],
    ],
    [
      'the second of 2 checks rolls back, saying how long',
      'calls >= 2 for 2 checks',
      'breach',
      1,
      2,
      ['calls breach for 2 of 2 checks'],
      [],
    ],
    ['an ok check clears the streak', 'calls >= 2 for 2 checks', 'ok', 1, 0, [], []],
    ['an inconclusive check clears the streak', 'calls >= 2 for 2 checks', 'inconclusive', 1, 0, [], []],
    [
      'no data keeps the streak, still watching',
      'calls >= 2 for 2 checks',
      'no-data',
      1,
      1,
      [],
      ['calls no-data (1 of 2 checks)'],
    ],
    [
      'a provider error keeps the streak',
      'calls >= 2 for 3 checks',
      'error',
      2,
      2,
      [],
      ['calls error (2 of 3 checks)'],
    ],
    ['no data never starts one', 'calls >= 2 for 2 checks', 'no-data', 0, 0, [], []],
  ])('%s', (_name, text, verdict, before, after, breached, watching) => {
    const r = makeRollout({ rollback: [text], metrics: values });
    const { judge } = stubJudge(r, [verdict]);
    const counters = {
      breaches: { [text]: before },
      looks: {},
      breachSince: before > 0 ? { [text]: T0 } : {},
    };
    const out = judgeRollback(rollbackInput(r, judge, { counters }));
    expect(out.breaches).toEqual({ [text]: after });
    expect(out.breached).toEqual(breached);
    expect(out.watching).toEqual(watching);
    // the streak's start is kept while it lasts, and dropped with it
    expect(out.breachSince).toEqual(after > 0 ? { [text]: before > 0 ? T0 : NOW } : {});
  });

  it('`for <duration>` persists from the first breaching check, measured by the clock of the checks', () => {
    const text = 'latency > 2000 for 10m';
    const r = makeRollout({ rollback: [text], metrics: values });
    const { judge } = stubJudge(r, ['breach']);
    const at = (now: number, since: number) =>
      judgeRollback(
        rollbackInput(r, judge, {
          now,
          counters: { breaches: { [text]: 1 }, looks: {}, breachSince: { [text]: since } },
        }),
      );
    expect(at(T0 + 9 * MIN, T0)).toMatchObject({ breached: [], watching: ['latency breach (9m of 10m)'] });
    expect(at(T0 + 10 * MIN, T0)).toMatchObject({
      breached: ['latency breach for 10m of 10m'],
      watching: [],
    });
  });
});

describe('judgeRollback with the sequential detector', () => {
  const text = 'error_rate > 5%';
  const rollout = makeRollout({ rollback: [text], advance: [], metrics: [ratioMetric('error_rate')] });
  const m = { error_rate: ratio(8, 100) };

  it('judges a window: stage ratio by its CUSUM, not by the judge, and keeps the state', () => {
    const { calls, judge } = stubJudge(rollout, ['ok']);
    const out = judgeRollback(rollbackInput(rollout, judge, { sequential: true }, m));
    expect(calls).toEqual([]);
    const evidence = out.results[0]?.evidence;
    // 8 bad of 100, 2.5% against 10% (the design for > 5%): 8·ln 4 + 92·ln(0.9/0.975) nats
    expect(evidence?.statistic).toBeCloseTo(8 * Math.log(4) + 92 * Math.log(0.9 / 0.975), 9);
    expect(evidence?.threshold).toBeCloseTo(8.380835339812744, 9);
    expect(out.detectors[text]).toMatchObject({ trials: 100, rawEvents: 8 });
    expect(out.breached).toEqual([]);
  });

  it('keeps the detectors of criteria it did not judge', () => {
    const other: CusumState = { s: 2, through: T0, trials: 10, events: 1, rawEvents: 1 };
    const { judge } = stubJudge(rollout, ['ok']);
    const out = judgeRollback(
      rollbackInput(
        rollout,
        judge,
        { sequential: true, counters: { ...EMPTY, detectors: { 'gone > 1%': other } } },
        m,
      ),
    );
    expect(out.detectors['gone > 1%']).toEqual(other);
    expect(Object.keys(out.detectors).sort()).toEqual(['error_rate > 5%', 'gone > 1%']);
  });

  it.each<[string, Partial<RollbackInput>, Record<string, Measurement>]>([
    ['sequential off (the benchmark’s comparison policies)', { sequential: false }, m],
    ['before a stage began', { sequential: true, stageStartedAt: null }, m],
    ['an empty denominator', { sequential: true }, { error_rate: ratio(0, 0) }],
    ['more events than trials (not a proportion)', { sequential: true }, { error_rate: ratio(120, 100) }],
  ])('falls back to the judge: %s', (_name, o, measurements) => {
    const { calls, judge } = stubJudge(rollout, ['ok']);
    const out = judgeRollback(rollbackInput(rollout, judge, o, measurements));
    expect(calls).toHaveLength(1);
    expect(out.detectors).toEqual({});
  });
});
