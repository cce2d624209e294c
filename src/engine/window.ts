import type { TimeWindow } from '../ports/metrics-provider.js';
import type { MetricWindow } from '../rollout/types.js';

/*
 * Which time range a metric is read over at a given check (DESIGN.md §2:
 * `window: 15m` is `[now − 15m, now]`, `window: stage` is `[stageStart, now]`).
 *
 * Datadog's newest data is still filling: points arrive up to a minute or so
 * late, so the last minute of any window reads low, and a ratio's numerator
 * and denominator need not arrive together. We therefore end every window a
 * little before `now` (the "settle" delay): 60 s by default, but never more
 * than a tenth of the window, so short windows (tests, the demo with 1 s
 * checks, the first minutes of a stage) are not swallowed whole. A duration
 * window keeps its length (it slides back by the settle delay); a stage
 * window never starts before the stage did, so counts from the previous
 * percentage are never mixed in. An empty result (`to <= from`: the stage just
 * began) is a valid window the provider answers with no-data.
 */

export const DEFAULT_SETTLE_MS = 60_000;
/** the largest share of a window the settle delay may cut off */
export const MAX_SETTLE_SHARE = 0.1;

export interface ResolveWindowOptions {
  /** upper bound of the settle delay; 0 reads right up to `now` */
  readonly settleMs?: number;
}

export function resolveWindow(
  spec: MetricWindow,
  now: number,
  stageStart: number,
  opts: ResolveWindowOptions = {},
): TimeWindow {
  const cap = Math.max(0, opts.settleMs ?? DEFAULT_SETTLE_MS);
  if (spec.kind === 'duration') {
    const settle = Math.min(cap, Math.floor(spec.ms * MAX_SETTLE_SHARE));
    const to = now - settle;
    return { from: to - spec.ms, to };
  }
  const elapsed = Math.max(0, now - stageStart);
  const settle = Math.min(cap, Math.floor(elapsed * MAX_SETTLE_SHARE));
  return { from: stageStart, to: Math.max(stageStart, now - settle) };
}

/** True when the window holds no time at all, so there is nothing to ask for. */
export function isEmptyWindow(window: TimeWindow): boolean {
  return window.to <= window.from;
}
