import { decide, SEQUENTIAL_DECISIONS, ZERO_COUNTERS, type DecisionCounters } from '../engine/decide.js';
import {
  foldIncrement,
  incrementWindow,
  type IncrementLedger,
  type MetricLedger,
} from '../engine/increments.js';
import {
  EMPTY_CUSUM,
  updateCusum,
  type CusumDesign,
  type CusumState,
  type Increment,
} from '../engine/sequential/cusum.js';
import { rolloutThreshold } from '../engine/sequential/threshold.js';
import type { Measurement } from '../ports/metrics-provider.js';
import { pointEstimate } from './bench-judges.js';
import { checkInput } from './bench-rollout.js';
import { answerFor, Traffic, type Family } from './sequential-traffic.js';

/*
 * One release of a family through the pure engine step, with the machine's
 * stage bookkeeping, and measured the way the runtime measures: each check's
 * increment folded into the ledger (src/engine/increments.ts), the windows
 * summed from it. Policies: stagegate (the sequential decisions), `before`
 * (the per-look interval and Wilson), the point estimate. The ORACLE is a
 * CUSUM that knows the true error rates, with the same threshold, on the same
 * observations, without `for 2 checks`.
 */

const MIN = 60_000;

export type Policy = 'stagegate' | 'before' | 'point';

export interface Outcome {
  readonly result: 'rolled back' | 'completed' | 'paused';
  readonly cause: string | null;
  readonly reached100: boolean;
  /** the regression started while the rollout was still running */
  readonly exposed: boolean;
  readonly usersAfterOnset: number;
  /** users after the onset until the oracle would have rolled back; null if it never did */
  readonly oracleUsers: number | null;
  /** first check at which an advance criterion was `fail`, and when it ended (ms) */
  readonly firstFailAt: number | null;
  readonly endedAt: number;
  /** the start of the unbroken failing run that paused it (counters.failingSince) */
  readonly failingFrom: number | null;
  /** every check's action, in order (compared with the real runtime) */
  readonly actions: readonly string[];
}

export function simulatePure(f: Family, policy: Policy, seed: number): Outcome {
  const r = f.rollout;
  const traffic = new Traffic(f, seed);
  const every = r.check.schedule.kind === 'every' ? r.check.schedule.everyMs : 5 * MIN;
  const before = f.before.error_rate ?? 0.03;
  const p1 = f.kind === 'regression' ? (f.after.error_rate ?? 0.1) : 0.1;
  const design: CusumDesign = {
    p0: before,
    p1,
    numeratorIsBad: true,
    up: Math.log(p1 / before),
    down: Math.log((1 - p1) / (1 - before)),
  };
  const firstRollback = r.criteria.rollback[0];
  const h = firstRollback ? rolloutThreshold(r, firstRollback) : Infinity;
  let oracle: CusumState = EMPTY_CUSUM;
  let oracleUsers: number | null = null;
  let stageIndex = 0;
  let stageStart = 0;
  let counters: DecisionCounters = ZERO_COUNTERS;
  let ledger: IncrementLedger = {};
  let reached100 = false;
  let firstFailAt: number | null = null;
  const actions: string[] = [];
  const end = (result: Outcome['result'], cause: string | null, at: number): Outcome => ({
    result,
    cause,
    reached100,
    exposed: traffic.onset < at,
    usersAfterOnset: traffic.afterOnset,
    oracleUsers,
    firstFailAt,
    endedAt: at,
    failingFrom: Object.values(counters.failingSince ?? {}).reduce<number | null>(
      (a, b) => (a === null ? b : Math.min(a, b)),
      null,
    ),
    actions,
  });
  for (let check = 1; check < 100_000; check++) {
    const now = check * every;
    const bucket = traffic.bucket(now, r.stages[stageIndex]?.percent ?? 0, stageIndex);
    const errors = bucket.error_rate;
    if (errors && now > traffic.onset && oracleUsers === null) {
      const inc = { from: now - every, to: now, events: errors.x, trials: errors.n };
      oracle = updateCusum(design, oracle, inc).state;
      if (oracle.s >= h) oracleUsers = traffic.afterOnset;
    }
    const measurements: Record<string, Measurement> = {};
    const increments: Record<string, Increment> = {};
    const next: Record<string, MetricLedger> = {};
    for (const spec of Object.values(r.metrics)) {
      const b = bucket[spec.name] ?? { x: 0, n: 0 };
      const window = incrementWindow(ledger, spec.name, now, stageStart, 0);
      const folded = foldIncrement(spec, ledger[spec.name], window, answerFor(spec, b.x, b.n));
      measurements[spec.name] = folded.measurement;
      if (folded.entry) next[spec.name] = folded.entry;
      if (folded.increment) increments[spec.name] = folded.increment;
    }
    ledger = next;
    const input = {
      ...checkInput({ rollout: r, now, stageIndex, stageStart, counters, measurements }),
      ...(policy === 'stagegate' && { increments, ledger }),
    };
    const d =
      policy === 'stagegate'
        ? decide(input, undefined, SEQUENTIAL_DECISIONS)
        : policy === 'point'
          ? decide(input, pointEstimate)
          : decide(input);
    counters = d.nextCounters;
    actions.push(d.action);
    if (firstFailAt === null && d.results.some((x) => x.kind === 'advance' && x.verdict === 'fail'))
      firstFailAt = now;
    if (d.action === 'rollback') return end('rolled back', d.cause, now);
    if (d.action === 'pause') return end('paused', d.cause, now);
    if (d.action === 'complete') return end('completed', null, now);
    if (d.action === 'advance') {
      stageIndex += 1;
      stageStart = now;
      counters = { ...ZERO_COUNTERS, errors: counters.errors };
      ledger = {};
      if (stageIndex === r.stages.length - 1) reached100 = true;
    }
  }
  return end('paused', 'limit', Infinity);
}
