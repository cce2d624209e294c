import type { Measurement, TimeWindow } from '../ports/metrics-provider.js';
import type { MetricSpec, Rollout } from '../rollout/types.js';
import type { Increment } from './sequential/cusum.js';
import { resolveWindow } from './window.js';

/*
 * Sums over windows derived from each check's increments, so the sequential
 * detectors get the stage's new observations WITHOUT more Datadog requests.
 *
 * A metric whose value is a sum over time (a ratio of two counts, a value
 * with `aggregator: sum`) is queried once per check over its increment
 * [through, now − settle): the end of the last increment counted to the
 * settle point. Every such metric shares that window, so they all go in one
 * scalar request; what the user's window shows (`15m`, `1h`, `stage`) is then
 * summed from the stored increments instead of asked for. Only metrics whose
 * window value is not a sum of its parts (avg, max, p95, cardinality) are
 * still queried over their own window.
 *
 * The ledger is plain JSON in the machine context (counters.increments),
 * restarts with the stage (a sliding window never reaches back before the
 * stage began, so two percents are never mixed), and advances only on an
 * answer: after a provider error the next increment covers both checks.
 *
 * Late data: a bucket that arrives within the settle delay is counted by the
 * increment that reaches it; a bucket later than that is not counted for a
 * derived metric (its increment was already closed).
 */

export interface Bucket {
  readonly from: number;
  readonly to: number;
  /** the sum (a value metric) or the numerator (a ratio) */
  readonly n: number;
  /** a ratio's denominator; 0 for a value */
  readonly d: number;
  /** Datadog answered no data for this increment */
  readonly empty: boolean;
}

export interface MetricLedger {
  readonly through: number;
  /** the newest increments, covering the metric's sliding window (none for `window: stage`) */
  readonly buckets: readonly Bucket[];
  /** the stage's sums */
  readonly n: number;
  readonly d: number;
  /** some increment of the stage had data */
  readonly seen: boolean;
}

export type IncrementLedger = Readonly<Record<string, MetricLedger>>;

/** a long window at short checks would keep thousands of buckets: older ones are merged pairwise */
export const MAX_BUCKETS = 64;

/** Whether the metric's window value is the sum of its increments. */
export function derivesFromIncrements(spec: MetricSpec): boolean {
  const q = spec.query;
  return q.kind === 'ratio' || (q.kind === 'value' && q.aggregator === 'sum');
}

/** The window a derived metric is queried over at this check. */
export function incrementWindow(
  ledger: IncrementLedger | undefined,
  metric: string,
  now: number,
  stageStart: number,
  settleMs?: number,
): TimeWindow {
  const to = resolveWindow({ kind: 'stage' }, now, stageStart, settleMs === undefined ? {} : { settleMs }).to;
  const through = ledger?.[metric]?.through;
  const from = through === undefined ? stageStart : Math.max(stageStart, through);
  return { from, to: Math.max(from, to) };
}

function merged(a: Bucket, b: Bucket): Bucket {
  return { from: a.from, to: b.to, n: a.n + b.n, d: a.d + b.d, empty: a.empty && b.empty };
}

function keepFor(buckets: readonly Bucket[], windowMs: number, to: number): Bucket[] {
  const kept = buckets.filter((b) => b.to > to - windowMs);
  while (kept.length > MAX_BUCKETS) {
    const [a, b, ...rest] = kept;
    if (!a || !b) break;
    kept.splice(0, kept.length, merged(a, b), ...rest);
  }
  return kept;
}

/** The sum of the buckets over [from, to), each pro-rated by its overlap (exact when checks align). */
function sumOver(buckets: readonly Bucket[], from: number, to: number): Bucket {
  let n = 0;
  let d = 0;
  let empty = true;
  for (const b of buckets) {
    const overlap = Math.min(to, b.to) - Math.max(from, b.from);
    const length = b.to - b.from;
    if (overlap <= 0 || length <= 0) continue;
    const share = overlap / length;
    n += b.n * share;
    d += b.d * share;
    if (!b.empty) empty = false;
  }
  return { from, to, n, d, empty };
}

function asMeasurement(spec: MetricSpec, sum: Pick<Bucket, 'n' | 'd' | 'empty'>, where: string): Measurement {
  if (spec.query.kind === 'ratio') {
    const numerator = Math.round(sum.n);
    const denominator = Math.round(sum.d);
    if (!(denominator > 0)) return { kind: 'no-data', reason: `no denominator counts ${where}` };
    return { kind: 'ratio', numerator, denominator, value: numerator / denominator };
  }
  if (sum.empty) return { kind: 'no-data', reason: `no data ${where}` };
  return { kind: 'value', value: sum.n };
}

/** What the metric's own window reads, from the ledger. */
export function windowValue(spec: MetricSpec, entry: MetricLedger | undefined): Measurement {
  if (!entry) return { kind: 'no-data', reason: 'the window is empty: the stage has just begun' };
  if (spec.window.kind === 'stage') {
    return asMeasurement(spec, { n: entry.n, d: entry.d, empty: !entry.seen }, 'in the stage yet');
  }
  const sum = sumOver(entry.buckets, entry.through - spec.window.ms, entry.through);
  return asMeasurement(spec, sum, 'in the window');
}

export interface Folded {
  readonly entry: MetricLedger | undefined;
  /** the detector's new observations; only for ratios, only on an answer */
  readonly increment: Increment | undefined;
  /** what the criteria read: the metric's own window, summed */
  readonly measurement: Measurement;
}

/** One derived metric's increment added to its ledger. Pure. */
export function foldIncrement(
  spec: MetricSpec,
  previous: MetricLedger | undefined,
  window: TimeWindow,
  answer: Measurement | undefined,
): Folded {
  // nothing asked (the increment is empty) or no answer: the ledger stands
  if (answer === undefined || answer.kind === 'error') {
    // an empty increment (nothing new since the last) is still judged: zero trials, the evidence stands
    const increment =
      answer === undefined && spec.query.kind === 'ratio'
        ? { from: window.from, to: window.to, events: 0, trials: 0 }
        : undefined;
    return { entry: previous, increment, measurement: answer ?? windowValue(spec, previous) };
  }
  const bucket: Bucket =
    answer.kind === 'ratio'
      ? { ...window, n: answer.numerator, d: answer.denominator, empty: false }
      : answer.kind === 'value'
        ? { ...window, n: answer.value, d: 0, empty: false }
        : { ...window, n: 0, d: 0, empty: true };
  const sliding = spec.window.kind === 'duration' ? spec.window.ms : 0;
  const entry: MetricLedger = {
    through: window.to,
    buckets: sliding > 0 ? keepFor([...(previous?.buckets ?? []), bucket], sliding, window.to) : [],
    n: (previous?.n ?? 0) + bucket.n,
    d: (previous?.d ?? 0) + bucket.d,
    seen: (previous?.seen ?? false) || !bucket.empty,
  };
  const increment: Increment | undefined =
    spec.query.kind === 'ratio'
      ? { from: window.from, to: window.to, events: bucket.n, trials: bucket.d }
      : undefined;
  return { entry, increment, measurement: windowValue(spec, entry) };
}

/** The derived metrics of a rollout, by name. */
export function derivedMetrics(rollout: Rollout): MetricSpec[] {
  return Object.values(rollout.metrics).filter(derivesFromIncrements);
}
