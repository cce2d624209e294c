/*
 * Durations and waits within one process are measured on a monotonic clock
 * (issue 11 "clocks"): an NTP step or a manual `date -s` moves Date.now() but
 * not performance.now(), so a retry window or an elapsed `ms` field is never
 * stretched, cut or negative. Wall time (Date.now) stays for what is written
 * down or scheduled: records, history, cron.
 */

export type MonotonicClock = () => number;

/** milliseconds since an arbitrary origin; only differences mean anything */
export const monotonicMs: MonotonicClock = () => performance.now();

/** ms elapsed since `started` (a monotonicMs reading), never negative */
export function elapsedMs(started: number, clock: MonotonicClock = monotonicMs): number {
  return Math.max(0, clock() - started);
}
