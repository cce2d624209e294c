/* Seeded random draws for the simulations: every run prints the same numbers. */

/** mulberry32: a small, fast, well-mixed 32-bit PRNG; plenty for a simulation. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Poisson by inversion (the means here stay below ~600, where exp(-mean) is still representable). */
export function poisson(rand: () => number, mean: number): number {
  if (mean <= 0) return 0;
  const u = rand();
  let k = 0;
  let p = Math.exp(-mean);
  let cdf = p;
  while (u > cdf && k < 100_000) {
    k++;
    p *= mean / k;
    cdf += p;
  }
  return k;
}

/** Binomial by inversion: O(n·p) steps, small at these error rates. */
export function binomial(rand: () => number, n: number, p: number): number {
  if (n <= 0 || p <= 0) return 0;
  const u = rand();
  const q = p / (1 - p);
  let x = 0;
  let pr = (1 - p) ** n;
  let cdf = pr;
  while (u > cdf && x < n) {
    pr *= ((n - x) / (x + 1)) * q;
    x++;
    cdf += pr;
  }
  return x;
}
