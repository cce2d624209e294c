/*
 * How long a server asked us to wait, from Retry-After or X-RateLimit-Reset.
 * Servers disagree on the form: seconds from now (Datadog, RFC 9110
 * Retry-After), an epoch time in seconds or milliseconds (GitHub-style
 * X-RateLimit-Reset, proxies), or an HTTP date (Retry-After). Read literally,
 * an epoch of 1.75e9 taken as seconds closes a gate for ~56 years, so every
 * wait from a header is capped by the caller's limit: a rollback-critical
 * query must never wait longer than a check interval.
 */

/** The cap on any wait a header asks for, unless the caller has a shorter one (a check interval). */
export const DEFAULT_MAX_RATE_LIMIT_WAIT_MS = 30_000;

/** Numbers at or above this are epoch seconds: as a delay they would be 31 years. */
const EPOCH_SECONDS_FROM = 1e9;
/** ... and at or above this, epoch milliseconds. */
const EPOCH_MS_FROM = 1e12;

/**
 * Milliseconds from `nowMs` until the time `raw` names, never negative;
 * undefined when the header is absent or unreadable. Not capped: see `cappedWaitMs`.
 */
export function headerWaitMs(raw: string | undefined, nowMs: number): number | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (text === '') return undefined;
  if (/^\d+(?:\.\d+)?$/.test(text)) {
    const n = Number(text);
    if (!Number.isFinite(n)) return undefined;
    if (n >= EPOCH_MS_FROM) return Math.max(0, n - nowMs);
    if (n >= EPOCH_SECONDS_FROM) return Math.max(0, n * 1000 - nowMs);
    return n * 1000;
  }
  // an HTTP date (only a date has letters and a comma or spaces)
  if (/[A-Za-z]/.test(text)) {
    const at = Date.parse(text);
    return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
  }
  return undefined;
}

export interface CappedWait {
  /** what to wait: at most the cap */
  readonly waitMs: number;
  /** what the header asked for */
  readonly requestedMs: number;
  /** the header asked for more than the cap */
  readonly capped: boolean;
}

export function cappedWaitMs(requestedMs: number, capMs: number): CappedWait {
  const cap = Math.max(0, capMs);
  return { waitMs: Math.min(requestedMs, cap), requestedMs, capped: requestedMs > cap };
}
