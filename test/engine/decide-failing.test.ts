import { describe, expect, it } from 'vitest';
import { DEFAULT_FAILING_FOR_MS, trackFailing } from '../../src/engine/decide-failing.js';
import type { CriterionResult, Verdict } from '../../src/engine/judge.js';
import { parseCriterion } from '../../src/rollout/criteria.js';
import { HOUR, MIN, T0, makeRollout } from './rollout-factory.js';

/*
 * decide-failing.ts: how long each advance criterion has been definitely
 * failing, and which have failed for policy.failingFor. (What decide() then
 * does — policy.onFailing — is in decide-sequential.test.ts.)
 */

const CT = 'click_through > 95%';
const ER = 'error_rate < 5%';

function result(text: string, verdict: Verdict, reason = `${text}: ${verdict}`): CriterionResult {
  return {
    criterion: parseCriterion(text),
    kind: 'advance',
    verdict,
    value: null,
    interval: null,
    confidence: null,
    samples: null,
    reason,
  };
}

const rollout = makeRollout({ advance: [CT, ER] });
const NOW = T0 + 2 * HOUR;

describe('trackFailing', () => {
  it('defaults failingFor to one hour', () => {
    expect(DEFAULT_FAILING_FOR_MS).toBe(HOUR);
  });

  it.each<[string, Verdict, number | undefined, number | undefined, string[]]>([
    // name, verdict this check, failing since before, failing since after, reasons
    ['a first fail starts the run now', 'fail', undefined, NOW, []],
    ['a fail short of failingFor keeps the start', 'fail', NOW - 59 * MIN, NOW - 59 * MIN, []],
    [
      'a fail for exactly failingFor is reported',
      'fail',
      NOW - HOUR,
      NOW - HOUR,
      [`failing: ${CT} for 1h: why`],
    ],
    ['and longer, with how long', 'fail', NOW - 90 * MIN, NOW - 90 * MIN, [`failing: ${CT} for 1h30m: why`]],
    ['a pass ends the run', 'pass', NOW - 2 * HOUR, undefined, []],
    ['an inconclusive check ends the run', 'inconclusive', NOW - 2 * HOUR, undefined, []],
    [
      'no data neither extends nor ends it, and reports nothing',
      'no-data',
      NOW - 2 * HOUR,
      NOW - 2 * HOUR,
      [],
    ],
    ['a provider error neither extends nor ends it', 'error', NOW - 2 * HOUR, NOW - 2 * HOUR, []],
    ['no data without a run starts none', 'no-data', undefined, undefined, []],
  ])('%s', (_name, verdict, before, after, reasons) => {
    const out = trackFailing(
      rollout,
      [result(CT, verdict, 'why')],
      before === undefined ? {} : { [CT]: before },
      NOW,
    );
    expect(out.failingSince[CT]).toBe(after);
    expect(Object.keys(out.failingSince)).toEqual(after === undefined ? [] : [CT]);
    expect(out.reasons).toEqual(reasons);
  });

  it('reads policy.failingForMs', () => {
    const short = makeRollout({ advance: [CT], policy: { failingForMs: 10 * MIN } });
    const at = (since: number) =>
      trackFailing(short, [result(CT, 'fail', 'why')], { [CT]: since }, NOW).reasons;
    expect(at(NOW - 9 * MIN)).toEqual([]);
    expect(at(NOW - 10 * MIN)).toEqual([`failing: ${CT} for 10m: why`]);
  });

  it('tracks each criterion apart, reasons in criterion order, and drops runs of criteria not judged', () => {
    const out = trackFailing(
      rollout,
      [result(CT, 'fail', 'ct low'), result(ER, 'fail', 'er high')],
      { [ER]: NOW - 3 * HOUR, [CT]: NOW - 2 * HOUR, 'gone > 1': NOW - 5 * HOUR },
      NOW,
    );
    expect(out.failingSince).toEqual({ [CT]: NOW - 2 * HOUR, [ER]: NOW - 3 * HOUR });
    expect(out.reasons).toEqual([`failing: ${CT} for 2h: ct low`, `failing: ${ER} for 3h: er high`]);
  });

  it('without a previous record every fail starts now', () => {
    const out = trackFailing(rollout, [result(CT, 'fail'), result(ER, 'pass')], undefined, NOW);
    expect(out).toEqual({ failingSince: { [CT]: NOW }, reasons: [] });
  });
});
