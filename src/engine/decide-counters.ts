import type { DecideInput, DecideOptions, DecisionCounters } from './decide.js';
import type { RollbackOutcome } from './decide-rollback.js';
import type { FailingOutcome } from './decide-failing.js';

/*
 * The counters a check hands to the next one: breach streaks and looks per
 * rollback criterion, consecutive provider errors, and, only when in use, the
 * sequential state (breach times, failing times, CUSUMs, the increment
 * ledger), so the classic decisions' counters stay as they were.
 */

export function nextCounters(
  input: DecideInput,
  opts: DecideOptions,
  rollback: RollbackOutcome,
  failing: FailingOutcome,
  errors: number,
): DecisionCounters {
  const timed =
    opts.sequential === true || input.rollout.criteria.rollback.some((c) => c.forMs !== undefined);
  const ledger = input.ledger ?? input.counters.increments;
  return {
    breaches: rollback.breaches,
    looks: rollback.looks,
    errors,
    ...(timed ? { breachSince: rollback.breachSince } : {}),
    ...(opts.failing === true ? { failingSince: failing.failingSince } : {}),
    ...(opts.sequential === true ? { detectors: rollback.detectors } : {}),
    ...(opts.sequential === true && ledger !== undefined ? { increments: ledger } : {}),
  };
}
