import type { Criterion } from '../../rollout/types.js';

/*
 * A Bernoulli CUSUM (Page's test) for rollback criteria on ratios.
 *
 * Why a CUSUM: it accumulates the log-likelihood ratio of "bad" against
 * "acceptable" over each check's new observations and forgets everything
 * before the last time the evidence hit zero, so a regression that starts in
 * the middle of a long stage is caught as fast as one that starts with it:
 * its sensitivity does not decay with the number of looks or the stage length
 * (the per-look alpha spending it replaces did, and went blind in long stages).
 *
 * The criterion `rate > τ` (or `rate < τ` on the complement) gives one number;
 * a CUSUM needs two. We place them a factor of two either side of the
 * threshold: acceptable p0 = τ/2, bad p1 = 2τ (capped halfway to 1). Their
 * log-likelihood ratio has zero drift just above τ (5.46% for τ = 5%), so the
 * statistic drifts down for every rate below the threshold and up above it.
 *
 * Each check adds   x·ln(p1/p0) + (n − x)·ln((1 − p1)/(1 − p0))
 * for x bad events in n trials, and the statistic is S = max(0, S + that).
 * The alarm is S ≥ h. See threshold.ts for how h follows from α and the
 * rollout's horizon.
 *
 * The state is plain JSON and idempotent: `through` is the end of the last
 * increment counted, and an increment that does not start at or after it is
 * ignored, so a redone step or a restart never counts an observation twice.
 */

export interface CusumDesign {
  /** the rate of "bad" events judged acceptable */
  readonly p0: number;
  /** the rate the detector is tuned to catch fastest */
  readonly p1: number;
  /** true: bad events are the numerator (`>` criteria); false: the complement (`<` criteria) */
  readonly numeratorIsBad: boolean;
  /** log-likelihood ratio of one bad event */
  readonly up: number;
  /** log-likelihood ratio of one good event (negative) */
  readonly down: number;
}

/** One check's new observations: [from, to) in epoch ms, numerator events of denominator trials. */
export interface Increment {
  readonly from: number;
  readonly to: number;
  readonly events: number;
  readonly trials: number;
}

export interface CusumState {
  /** the statistic: evidence for "bad" in nats, ≥ 0 */
  readonly s: number;
  /** end of the last increment counted (epoch ms); null: nothing counted yet */
  readonly through: number | null;
  /** trials and bad events counted in this stage (for logs and the stage-window fallback) */
  readonly trials: number;
  readonly events: number;
  /** bad events and trials of the numerator as given (not complemented), for differencing cumulative sums */
  readonly rawEvents: number;
}

export const EMPTY_CUSUM: CusumState = { s: 0, through: null, trials: 0, events: 0, rawEvents: 0 };

/** The detector for an order criterion on a proportion, or undefined when none applies. */
export function cusumDesign(c: Pick<Criterion, 'op' | 'threshold'>): CusumDesign | undefined {
  const numeratorIsBad = c.op === '>' || c.op === '>=';
  if (!numeratorIsBad && c.op !== '<' && c.op !== '<=') return undefined;
  const tau = numeratorIsBad ? c.threshold : 1 - c.threshold;
  // a threshold at 0 or 1 leaves no acceptable rate to tell apart: compare directly
  if (!(tau > 0 && tau < 1)) return undefined;
  const p0 = tau / 2;
  const p1 = Math.min(2 * tau, (1 + tau) / 2);
  return {
    p0,
    p1,
    numeratorIsBad,
    up: Math.log(p1 / p0),
    down: Math.log((1 - p1) / (1 - p0)),
  };
}

/** The log-likelihood ratio of x bad events in n trials. */
export function logLikelihoodRatio(d: CusumDesign, bad: number, trials: number): number {
  return bad * d.up + (trials - bad) * d.down;
}

export interface CusumUpdate {
  readonly state: CusumState;
  /** false: the increment was already counted (or overlaps what was) and changed nothing */
  readonly counted: boolean;
}

/** Adds one increment. Pure; an increment starting before `through` is ignored (never counted twice). */
export function updateCusum(d: CusumDesign, state: CusumState, inc: Increment): CusumUpdate {
  if (state.through !== null && inc.from < state.through) return { state, counted: false };
  if (!(inc.to >= inc.from)) return { state, counted: false };
  const trials = Math.max(0, inc.trials);
  const raw = Math.min(trials, Math.max(0, inc.events));
  const bad = d.numeratorIsBad ? raw : trials - raw;
  return {
    state: {
      s: Math.max(0, state.s + logLikelihoodRatio(d, bad, trials)),
      through: inc.to,
      trials: state.trials + trials,
      events: state.events + bad,
      rawEvents: state.rawEvents + raw,
    },
    counted: true,
  };
}

/**
 * The increment a cumulative stage sum implies: what it adds to what was
 * counted. Used when the metric's window is the stage (the measurement is
 * cumulative since the stage began), so no extra query is needed. Late data
 * for earlier buckets lands in the next difference: nothing is lost or counted
 * twice. A sum that shrank (a provider retracted points) adds nothing.
 */
export function incrementFromCumulative(
  state: CusumState,
  stageStart: number,
  to: number,
  numerator: number,
  denominator: number,
): Increment {
  const trials = Math.max(0, denominator - state.trials);
  const events = Math.min(trials, Math.max(0, numerator - state.rawEvents));
  return { from: state.through ?? stageStart, to, events, trials };
}
