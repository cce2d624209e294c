import normalQuantileStd from '@stdlib/stats-base-dists-normal-quantile';
import betaQuantileStd from '@stdlib/stats-base-dists-beta-quantile';
import betainc from '@stdlib/math-base-special-betainc';
import gammaln from '@stdlib/math-base-special-gammaln';

/*
 * The numerics behind ratio verdicts. The special functions come from
 * @stdlib (ports of Boost/Cephes, tested upstream); test/engine/stats.test.ts
 * keeps pinning them against SciPy reference values so an upgrade that
 * changes a digit that matters is caught here.
 *
 * On top of them: the Wilson score interval, the exact Clopper–Pearson
 * interval, and the per-look confidence kept for comparison in the benchmark
 * (see lookConfidence). The sequential methods the engine judges ratios with
 * live in src/engine/sequential/.
 */

export type Interval = readonly [number, number];

/** The standard normal quantile Φ⁻¹(p) for 0 < p < 1 (±Infinity at 0 and 1). */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1)
    throw new RangeError(`normalQuantile: p must be in [0, 1], got ${p}`);
  return normalQuantileStd(p, 0, 1);
}

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma: x must be > 0, got ${x}`);
  return gammaln(x);
}

/** The regularized incomplete beta function I_x(a, b), a > 0, b > 0, 0 ≤ x ≤ 1. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0)) throw new RangeError(`regularizedBeta: a and b must be > 0, got ${a}, ${b}`);
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  return betainc(x, a, b);
}

/** The x with I_x(a, b) = p. */
export function betaQuantile(p: number, a: number, b: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  return betaQuantileStd(p, a, b);
}

/** z such that a two-sided interval at `confidence` is ±z standard errors. */
export function zForConfidence(confidence: number): number {
  return normalQuantile(1 - (1 - confidence) / 2);
}

/**
 * Wilson score interval for `successes` of `trials` at two-sided `confidence`.
 * null when there are no trials: no data is not zero.
 */
export function wilsonInterval(successes: number, trials: number, confidence: number): Interval | null {
  if (!(trials > 0)) return null;
  const z = zForConfidence(confidence);
  const p = successes / trials;
  const z2n = (z * z) / trials;
  const centre = p + z2n / 2;
  const spread = z * Math.sqrt((p * (1 - p)) / trials + z2n / (4 * trials));
  const denom = 1 + z2n;
  // clamp rounding noise at the edges (0 of n, n of n)
  return [Math.max(0, (centre - spread) / denom), Math.min(1, (centre + spread) / denom)];
}

/**
 * Exact (Clopper–Pearson) interval at two-sided `confidence`: each bound
 * misses with probability at most (1 - confidence) / 2, at every sample size.
 */
export function clopperPearsonInterval(
  successes: number,
  trials: number,
  confidence: number,
): Interval | null {
  if (!(trials > 0)) return null;
  const tail = (1 - confidence) / 2;
  const failures = trials - successes;
  const lower = successes <= 0 ? 0 : betaQuantile(tail, successes, failures + 1);
  const upper = failures <= 0 ? 1 : betaQuantile(1 - tail, successes + 1, failures);
  return [lower, upper];
}

/**
 * The two-sided confidence for the k-th look (k ≥ 1) of a stage, spending the
 * stage's error budget α = 1 - confidence as α·2/(k(k+1)). No longer used for
 * decisions (its sensitivity decays with every look: a long stage goes blind);
 * kept as the "before" column of the benchmark.
 */
export function lookConfidence(confidence: number, look: number): number {
  const k = Math.max(1, Math.floor(look));
  return 1 - ((1 - confidence) * 2) / (k * (k + 1));
}
