import {
  decide,
  ZERO_COUNTERS,
  type DecideOptions,
  type DecisionCounters,
  type JudgeFn,
} from '../engine/decide.js';
import type { Measurement } from '../ports/metrics-provider.js';
import { BENCH_ROLLOUT, CHECK_MS, HOUR, checkInput } from './bench-rollout.js';
import { binomial, poisson, prng } from './seeded-random.js';

/*
 * One simulated release of the decision-quality benchmark: the canary sees U
 * users over its 4 hours, U uniform in 10..500, later stages in proportion to
 * their percent, arrivals per check Poisson; each user's request fails with
 * the release's true error rate. The same decide() the rollout machine calls
 * on every TICK, with the machine's stage bookkeeping.
 */

/** healthy 3%, bad 10%, late: 3% until the 50% stage and 10% from its first check */
export type ReleaseKind = 'healthy' | 'bad' | 'late';

export interface Outcome {
  readonly result: 'rolled back' | 'completed' | 'paused';
  /** the check at which the toggle reached 100%, if it did */
  readonly reached100At: number | null;
  /** checks from the first exposed check to the rollback, inclusive; null when not rolled back after exposure */
  readonly checksToRollback: number | null;
  readonly exposed: boolean;
  /** users served the bad release before the rollback (or the end) */
  readonly usersExposed: number;
}

const STAGE_50 = 2;

function errorRate(kind: ReleaseKind, stageIndex: number): number {
  if (kind === 'healthy') return 0.03;
  if (kind === 'bad') return 0.1;
  return stageIndex >= STAGE_50 ? 0.1 : 0.03;
}

export function simulateRelease(
  judge: JudgeFn,
  kind: ReleaseKind,
  seed: number,
  opts: DecideOptions,
): Outcome {
  const rollout = BENCH_ROLLOUT;
  const rand = prng(seed);
  const canaryUsers = 10 + Math.floor(rand() * 491);
  const canary = rollout.stages[0];
  const checksInCanary = (canary?.minDurationMs ?? HOUR) / CHECK_MS;
  const usersPerCheckAtFull = canaryUsers / ((canary?.percent ?? 2) / 100) / checksInCanary;
  const last = rollout.stages.length - 1;

  let stageIndex = 0;
  let stageStart = 0;
  let counters: DecisionCounters = ZERO_COUNTERS;
  let users = 0;
  let errors = 0;
  let reached100At: number | null = null;
  let exposedAt: number | null = kind === 'bad' ? 1 : null;
  let usersExposed = 0;
  // the variables as they stand when the release ends
  const end = (result: Outcome['result'], checksToRollback: number | null = null): Outcome => ({
    result,
    reached100At,
    checksToRollback,
    exposed: exposedAt !== null,
    usersExposed,
  });
  for (let check = 1; check < 20_000; check++) {
    const now = check * CHECK_MS;
    if (exposedAt === null && kind === 'late' && stageIndex >= STAGE_50) exposedAt = check;
    const percent = rollout.stages[stageIndex]?.percent ?? 0;
    const arrived = poisson(rand, (usersPerCheckAtFull * percent) / 100);
    users += arrived;
    if (exposedAt !== null) usersExposed += arrived;
    errors += binomial(rand, arrived, errorRate(kind, stageIndex));
    const measurement: Measurement =
      users > 0
        ? { kind: 'ratio', numerator: errors, denominator: users, value: errors / users }
        : { kind: 'no-data', reason: 'no users yet' };
    const input = checkInput({
      rollout,
      now,
      stageIndex,
      stageStart,
      counters,
      measurements: { error_rate: measurement },
    });
    const d = decide(input, judge, opts);
    counters = d.nextCounters;
    switch (d.action) {
      case 'rollback':
        return end('rolled back', exposedAt === null ? null : check - exposedAt + 1);
      case 'pause':
        return end('paused');
      case 'complete':
        return end('completed');
      case 'advance':
        // the machine: the next stage's write lands, its clock and `stage` window restart, streaks and looks reset
        stageIndex += 1;
        stageStart = now;
        counters = { ...ZERO_COUNTERS, errors: counters.errors };
        users = 0;
        errors = 0;
        if (stageIndex === last) reached100At = check;
        break;
      case 'hold':
        break;
    }
  }
  // never decided within the simulated checks: it would still be held
  return end('paused');
}
