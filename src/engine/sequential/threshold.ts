import type { Criterion, Rollout } from '../../rollout/types.js';
import { cusumDesign, type CusumDesign } from './cusum.js';

/*
 * The CUSUM threshold h from α = 1 − policy.confidence and the rollout's horizon.
 *
 * A CUSUM bounds false alarms per unit of time, not per rollout; the horizon
 * turns one into the other. S_k ≥ h means that, for some earlier check j, the
 * likelihood ratio of the increments j..k reached e^h. For a release whose
 * bad-event rate is at most p0, each of those ratios is a nonnegative
 * supermartingale starting at 1, so by Ville's inequality it ever reaches e^h
 * with probability at most e^−h. A rollout has at most K checks (the horizon),
 * hence at most K starting points j, and
 *
 *     P(any false alarm in the rollout) ≤ K · e^−h,   so   h = ln(K / α)
 *
 * for rates ≤ p0; criterionThreshold below extends it to rates up to
 * SAFE_SHARE of the threshold and to several rollback criteria.
 *
 * This is the classical ARL0 ≥ e^h bound (Lorden 1971) applied per check
 * rather than per observation, which is what makes it usable: h grows only with
 * the logarithm of the horizon. For rates between p0 and the threshold the
 * likelihood ratio raised to θ < 1 is the martingale (θ solves
 * p·e^{θ·up} + (1 − p)·e^{θ·down} = 1, see tiltExponent), and the bound is
 * K·e^{−θh}; the benchmark measures the actual rate, which is far lower since
 * the union bound counts every start as if independent.
 *
 * The horizon is the plan: every stage's minDuration (capped by
 * maxStageDuration), at least one check per stage. A rollout held past its
 * plan keeps looking, and its false-alarm bound grows in proportion:
 * (actual checks / K)·α (twice as long, 2α); h only grows with ln K, so
 * planning generously costs little delay. A cron schedule counts as a check
 * per minute (its shortest interval), which only makes h a little larger.
 */

const MINUTE = 60_000;

/** The check interval used for the horizon. */
export function checkIntervalMs(rollout: Pick<Rollout, 'check'>): number {
  const s = rollout.check.schedule;
  return s.kind === 'every' ? Math.max(1, s.everyMs) : MINUTE;
}

/** K: the most checks the rollout's stages are planned to take. */
export function horizonChecks(rollout: Pick<Rollout, 'check' | 'stages' | 'policy'>): number {
  const every = checkIntervalMs(rollout);
  const cap = rollout.policy.maxStageDurationMs;
  let checks = 0;
  for (const stage of rollout.stages) {
    const planned = cap !== undefined ? Math.min(cap, stage.minDurationMs) : stage.minDurationMs;
    checks += Math.max(1, Math.ceil(planned / every));
  }
  return checks;
}

/** h = ln(K / α): false alarms ≤ α per rollout for rates ≤ p0. */
export function cusumThreshold(horizon: number, alpha: number): number {
  if (!(alpha > 0 && alpha < 1))
    throw new RangeError(`cusumThreshold: alpha must be in (0, 1), got ${alpha}`);
  return Math.log(Math.max(1, horizon) / alpha);
}

/**
 * The release rates the guarantee covers: every true rate up to this share of
 * the criterion's threshold (3% for `> 5%`). A rate between p0 = τ/2 and τ has
 * a tilt θ < 1, so h = ln(K/α) alone would bound its false alarms only by
 * K·e^{−θh} = α^θ·K^{1−θ} (the benchmark measured 1.1–2.5% at 3% for 5%).
 */
export const SAFE_SHARE = 0.6;

/**
 * h for one criterion: ln(K·R / α) / θ(SAFE_SHARE·τ), with R the rollout's
 * rollback criteria that have a detector (a Bonferroni split of α among them)
 * and θ the tilt at the safe rate (1 at p0, so ≥ ln(K·R/α)). Then for every
 * true rate ≤ SAFE_SHARE·τ of every criterion, P(any false rollback in the
 * planned rollout) ≤ Σ_R K·e^{−θh} = α.
 */
export function criterionThreshold(
  rollout: Pick<Rollout, 'check' | 'stages' | 'policy' | 'criteria'>,
  c: Pick<Criterion, 'op' | 'threshold'>,
): number {
  const design = cusumDesign(c);
  const detectors = Math.max(1, rollout.criteria.rollback.filter((r) => cusumDesign(r) !== undefined).length);
  const base = cusumThreshold(horizonChecks(rollout) * detectors, 1 - rollout.policy.confidence);
  if (!design) return base;
  const tau = design.numeratorIsBad ? c.threshold : 1 - c.threshold;
  const theta = tiltExponent(design, SAFE_SHARE * tau);
  return theta !== undefined && theta > 0 && theta < 1 ? base / theta : base;
}

const thresholds = new WeakMap<object, Map<string, number>>();

/** The threshold of a rollout's rollback detector for criterion `c` (cached per rollout object). */
export function rolloutThreshold(rollout: Rollout, c: Criterion): number {
  let known = thresholds.get(rollout);
  if (!known) {
    known = new Map();
    thresholds.set(rollout, known);
  }
  let h = known.get(c.text);
  if (h === undefined) {
    h = criterionThreshold(rollout, c);
    known.set(c.text, h);
  }
  return h;
}

/**
 * θ > 0 with E[e^{θ·LLR}] = 1 at bad-event rate p (the exponent of the
 * false-alarm bound K·e^{−θh}); 1 at p0, larger below it, Infinity when p = 0.
 * undefined when the drift at p is not negative (no bound: p is a bad rate).
 */
export function tiltExponent(d: CusumDesign, p: number): number | undefined {
  if (p <= 0) return Infinity;
  const mgf = (theta: number): number => p * Math.exp(theta * d.up) + (1 - p) * Math.exp(theta * d.down);
  if (p * d.up + (1 - p) * d.down >= 0) return undefined;
  let lo = 0;
  let hi = 1;
  while (mgf(hi) < 1) hi *= 2;
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (mgf(mid) < 1) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
