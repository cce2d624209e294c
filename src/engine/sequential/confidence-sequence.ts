import gammaln from '@stdlib/math-base-special-gammaln';
import type { Interval } from '../stats.js';

/*
 * An anytime-valid confidence sequence for a proportion (advance criteria on ratios).
 *
 * Robbins' beta-binomial mixture: for a prior Beta(a, b), the mixture
 * likelihood ratio against a fixed rate q,
 *
 *     M_n(q) = [B(a + x, b + n − x) / B(a, b)] / [q^x (1 − q)^(n − x)],
 *
 * is a nonnegative martingale with mean 1 when q is the true rate, so by
 * Ville's inequality it ever exceeds 1/α with probability at most α. The set
 * {q : M_n(q) < 1/α} therefore covers the true rate at every n at once, with
 * probability ≥ 1 − α: the controller may look after every check, and a long
 * stage does not erode the guarantee. `< t` passes only when the whole set is
 * below t (the error of a pass is ≤ α) and definitely fails when the whole set
 * is at or above it; small samples give a wide set: inconclusive.
 *
 * The prior is centred on the criterion's threshold with a concentration of
 * PRIOR_WEIGHT pseudo-observations: that is where the decision is hard, and
 * the benchmark (src/bench/decision-quality.ts) found 20–100 equally good;
 * 50 reaches a verdict for 3% vs 5% after ≈ 910 samples (a fixed-n Wilson
 * interval needs ≈ 415 but is valid for one look only) and for 10% vs 5%
 * after ≈ 225 (the SPRT that knows both rates needs ≈ 145).
 */

export const PRIOR_WEIGHT = 50;

function logBeta(a: number, b: number): number {
  return gammaln(a) + gammaln(b) - gammaln(a + b);
}

/** Bisection for the q in (lo, hi) where the increasing/decreasing `f` crosses 0. */
function root(f: (q: number) => number, lo: number, hi: number, increasing: boolean): number {
  let a = lo;
  let b = hi;
  for (let i = 0; i < 60; i++) {
    const m = (a + b) / 2;
    if (f(m) > 0 === increasing) b = m;
    else a = m;
  }
  return (a + b) / 2;
}

/**
 * The confidence sequence for `events` of `trials` at `confidence`, with the
 * prior centred on `centre` (the criterion's threshold). null without trials.
 */
export function betaBinomialSequence(
  events: number,
  trials: number,
  confidence: number,
  centre: number,
): Interval | null {
  if (!(trials > 0)) return null;
  const x = Math.min(trials, Math.max(0, events));
  const n = trials;
  const m = Math.min(0.999, Math.max(0.001, centre));
  const a = m * PRIOR_WEIGHT;
  const b = (1 - m) * PRIOR_WEIGHT;
  // q is inside when x·ln q + (n − x)·ln(1 − q) > ln B(a + x, b + n − x) − ln B(a, b) + ln α
  const level = logBeta(a + x, b + n - x) - logBeta(a, b) + Math.log(1 - confidence);
  const f = (q: number): number => x * Math.log(q) + (n - x) * Math.log1p(-q) - level;
  const mode = x / n;
  // the log-likelihood is concave with its maximum at x/n, which is always inside
  const lower = x === 0 ? 0 : root(f, 0, mode, true);
  const upper = x === n ? 1 : root(f, mode, 1, false);
  return [lower, upper];
}
