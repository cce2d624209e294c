/*
 * The numerics behind ratio verdicts. No statistics library is a dependency,
 * so the three special functions needed are written here from their published
 * algorithms and tested against SciPy reference values (test/engine/stats.test.ts):
 *
 * - normalQuantile: Wichura's AS 241 (PPND16), about 1e-16 relative error.
 * - logGamma: Lanczos (g = 7, 9 terms), about 1e-15 relative error for x ≥ 0.5.
 * - regularizedBeta: the continued fraction of the incomplete beta function,
 *   evaluated with the modified Lentz method (Numerical Recipes §6.4).
 *
 * On top of them: the Wilson score interval (advance criteria) and the exact
 * Clopper–Pearson interval (rollback criteria), and the per-look confidence
 * that spends a stage's error budget across repeated looks (see lookConfidence).
 */

export type Interval = readonly [number, number];

// AS 241 coefficients (Wichura 1988, Applied Statistics 37(3), 477–484), as the nearest doubles
const A = [
  3.3871328727963665, 133.14166789178438, 1971.5909503065513, 13731.69376550946, 45921.95393154987,
  67265.7709270087, 33430.57558358813, 2509.0809287301227,
];
const B = [
  1, 42.31333070160091, 687.1870074920579, 5394.196021424751, 21213.794301586597, 39307.89580009271,
  28729.085735721943, 5226.495278852854,
];
const C = [
  1.4234371107496835, 4.630337846156546, 5.769497221460691, 3.6478483247632045, 1.2704582524523684,
  0.2417807251774506, 0.022723844989269184, 0.0007745450142783414,
];
const D = [
  1, 2.053191626637759, 1.6763848301838038, 0.6897673349851, 0.14810397642748008, 0.015198666563616457,
  0.0005475938084995345, 1.0507500716444169e-9,
];
const E = [
  6.657904643501103, 5.463784911164114, 1.7848265399172913, 0.29656057182850487, 0.026532189526576124,
  0.0012426609473880784, 0.000027115555687434876, 2.0103343992922881e-7,
];
const F = [
  1, 0.599832206555888, 0.1369298809227358, 0.014875361290850615, 0.0007868691311456133,
  0.000018463183175100548, 1.421511758316446e-7, 2.0442631033899397e-15,
];

function poly(coeffs: readonly number[], x: number): number {
  let acc = 0;
  for (let i = coeffs.length - 1; i >= 0; i--) acc = acc * x + (coeffs[i] ?? 0);
  return acc;
}

/** The standard normal quantile Φ⁻¹(p) for 0 < p < 1 (±Infinity at 0 and 1). */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p) || p < 0 || p > 1)
    throw new RangeError(`normalQuantile: p must be in [0, 1], got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * poly(A, r)) / poly(B, r);
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let z: number;
  if (r <= 5) {
    r -= 1.6;
    z = poly(C, r) / poly(D, r);
  } else {
    r -= 5;
    z = poly(E, r) / poly(F, r);
  }
  return q < 0 ? -z : z;
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma: x must be > 0, got ${x}`);
  // reflection keeps the Lanczos series in its accurate range
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let sum = LANCZOS[0] ?? 1;
  for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] ?? 0) / (y + i);
  const t = y + 7.5;
  return HALF_LOG_TWO_PI + (y + 0.5) * Math.log(t) - t + Math.log(sum);
}

function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

const TINY = 1e-300;

function betaContinuedFraction(a: number, b: number, x: number): number {
  // Iterations grow like sqrt(max(a, b)); counts in the millions still converge.
  const maxIterations = 200 + Math.ceil(10 * Math.sqrt(Math.max(a, b)));
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= maxIterations; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) return h;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b), a > 0, b > 0, 0 ≤ x ≤ 1. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0)) throw new RangeError(`regularizedBeta: a and b must be > 0, got ${a}, ${b}`);
  return incompleteBeta(x, a, b, logBeta(a, b));
}

/** I_x(a, b) with ln B(a, b) computed once by the caller (betaQuantile evaluates it many times). */
function incompleteBeta(x: number, a: number, b: number, logB: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(a * Math.log(x) + b * Math.log1p(-x) - logB);
  // the continued fraction converges fast only on this side of the mean
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/**
 * The x with I_x(a, b) = p: Newton steps on the beta CDF, kept inside a
 * shrinking bisection bracket. A good `guess` (e.g. the Wilson bound) saves
 * most of the steps.
 */
export function betaQuantile(p: number, a: number, b: number, guess?: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const logNorm = logBeta(a, b);
  let lo = 0;
  let hi = 1;
  let x = guess !== undefined && guess > 0 && guess < 1 ? guess : a / (a + b);
  for (let i = 0; i < 200; i++) {
    const f = incompleteBeta(x, a, b, logNorm) - p;
    if (f === 0) return x;
    if (f < 0) lo = x;
    else hi = x;
    const density = Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log1p(-x) - logNorm);
    let next = density > 0 && Number.isFinite(density) ? x - f / density : Number.NaN;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - x) <= 1e-15 * Math.max(1, x) || hi - lo <= 1e-16) return next;
    x = next;
  }
  return x;
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
 * Wilson can miss more often than that in the tails of small samples, which is
 * exactly where a rollback decision must not be fooled.
 */
export function clopperPearsonInterval(
  successes: number,
  trials: number,
  confidence: number,
): Interval | null {
  if (!(trials > 0)) return null;
  const tail = (1 - confidence) / 2;
  const failures = trials - successes;
  // Wilson's bounds are close to the exact ones: they start the Newton steps
  const [wLo, wHi] = wilsonInterval(successes, trials, confidence) ?? [0, 1];
  const lower = successes <= 0 ? 0 : betaQuantile(tail, successes, failures + 1, wLo);
  const upper = failures <= 0 ? 1 : betaQuantile(1 - tail, successes + 1, failures, wHi);
  return [lower, upper];
}

/**
 * The two-sided confidence for the k-th look (k ≥ 1) of a stage, spending the
 * stage's error budget α = 1 - confidence as α·2/(k(k+1)): the first look is
 * judged at `confidence` itself, the second at 1 - α/3, the third at 1 - α/6, …
 * Each one-sided bound then misses with probability α/(k(k+1)), and since
 * Σ 1/(k(k+1)) = 1, the chance that any look of the stage wrongly declares a
 * breach is at most α (a union bound: it holds however the looks' windows
 * overlap, so for sliding windows as well as for `window: stage`).
 */
export function lookConfidence(confidence: number, look: number): number {
  const k = Math.max(1, Math.floor(look));
  return 1 - ((1 - confidence) * 2) / (k * (k + 1));
}
