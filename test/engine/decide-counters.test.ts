import { describe, expect, it } from 'vitest';
import { nextCounters } from '../../src/engine/decide-counters.js';
import { ZERO_COUNTERS, type DecideInput } from '../../src/engine/decide.js';
import type { RollbackOutcome } from '../../src/engine/decide-rollback.js';
import { EMPTY_CUSUM } from '../../src/engine/sequential/cusum.js';
import { T0, decideInput, makeRollout } from './rollout-factory.js';

/* The counters one check hands to the next (src/engine/decide-counters.ts). */

const rollback: RollbackOutcome = {
  results: [],
  breached: [],
  watching: [],
  breaches: { 'error_rate > 5% for 2 checks': 1 },
  breachSince: { 'error_rate > 5% for 2 checks': T0 },
  looks: { 'error_rate > 5% for 2 checks': 3 },
  detectors: { 'error_rate > 5% for 2 checks': EMPTY_CUSUM },
};
const failing = { failingSince: { 'error_rate < 5%': T0 }, reasons: [] };
const ledger = {
  error_rate: { from: T0, to: T0 + 1, numerator: 1, denominator: 10 },
} as unknown as NonNullable<DecideInput['ledger']>;

function input(overrides: Partial<DecideInput> = {}): DecideInput {
  return decideInput(makeRollout(), overrides);
}

describe('nextCounters', () => {
  it('the classic decisions keep streaks, looks and errors only', () => {
    expect(nextCounters(input(), {}, rollback, failing, 2)).toEqual({
      breaches: rollback.breaches,
      looks: rollback.looks,
      errors: 2,
    });
  });

  it('a `for <duration>` criterion keeps its breach times even without the sequential decisions', () => {
    const timed = input({ rollout: makeRollout({ rollback: ['error_rate > 5% for 10m'] }) });
    expect(nextCounters(timed, {}, rollback, failing, 0)).toHaveProperty('breachSince', rollback.breachSince);
  });

  it('the sequential decisions add breach times, failing times, CUSUMs and the ledger (this check’s, else the last)', () => {
    const counters = nextCounters(
      input({ ledger }),
      { sequential: true, failing: true },
      rollback,
      failing,
      0,
    );
    expect(counters).toEqual({
      breaches: rollback.breaches,
      looks: rollback.looks,
      errors: 0,
      breachSince: rollback.breachSince,
      failingSince: failing.failingSince,
      detectors: rollback.detectors,
      increments: ledger,
    });
    const carried = nextCounters(
      input({ counters: { ...ZERO_COUNTERS, increments: ledger } }),
      { sequential: true },
      rollback,
      failing,
      0,
    );
    expect(carried.increments).toBe(ledger);
    expect(carried).not.toHaveProperty('failingSince');
    expect(nextCounters(input(), { sequential: true }, rollback, failing, 0)).not.toHaveProperty(
      'increments',
    );
  });
});
