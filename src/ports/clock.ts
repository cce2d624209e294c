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

/**
 * Wall time that ignores steps within the process: Date.now() read once, then
 * advanced by the monotonic clock. The engine judges `minDuration`, stage
 * windows and retry times on the times it is given, so a forward step of a
 * day (an NTP correction, `date -s`) must not make a stage's minimum pass, nor
 * a backward step stall a retry. Records written by the process carry this
 * time; a step shows up after a restart, when it is read again.
 */
export function steadyWallClock(
  wall: () => number = Date.now,
  mono: MonotonicClock = monotonicMs,
): () => number {
  const anchorWall = wall();
  const anchorMono = mono();
  // whole milliseconds, like Date.now(): records and snapshots hold integer epoch ms
  return () => anchorWall + Math.floor(Math.max(0, mono() - anchorMono));
}
