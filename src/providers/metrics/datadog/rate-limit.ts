/*
 * Datadog's rate limits are per organisation and per endpoint family, and
 * every answer says where we stand: X-RateLimit-Limit / -Period / -Remaining /
 * -Reset (seconds until the window resets) / -Name. We remember the last
 * headers (per provider, and per name) so they can be logged and exported,
 * and after a 429 we close a gate until the reset (plus jitter) that every
 * request of this provider waits at — so one throttled check does not let the
 * other rollouts' checks keep hammering the same exhausted budget. The gate
 * never stays closed longer than `maxCloseMs` (30 s, or a check interval
 * when shorter), whatever a header says: an epoch reset read as seconds
 * would close it for decades, and a far reset must not keep a rollback's
 * checks from trying again at their next interval.
 */

import { cappedWaitMs } from '../../../http/retry-after.js';

export interface RateLimitInfo {
  readonly limit: number;
  readonly remaining: number;
  /** seconds until the budget resets, as Datadog sent it */
  readonly reset: number;
  /** length of the rate-limit window in seconds */
  readonly period: number;
  readonly name: string;
}

/** Header names arrive lower-cased from fetch; absent or non-numeric headers mean "not rate-limit metered". */
export function parseRateLimitHeaders(headers: Readonly<Record<string, string>>): RateLimitInfo | undefined {
  const num = (key: string): number | undefined => {
    const raw = headers[key];
    if (raw === undefined || raw.trim() === '') return undefined;
    const n = Number(raw);
    return Number.isFinite(n) ? n : undefined;
  };
  const limit = num('x-ratelimit-limit');
  const remaining = num('x-ratelimit-remaining');
  const reset = num('x-ratelimit-reset');
  const period = num('x-ratelimit-period');
  if (limit === undefined || remaining === undefined || reset === undefined) return undefined;
  return { limit, remaining, reset, period: period ?? reset, name: headers['x-ratelimit-name'] ?? '' };
}

/** Remaining budget at or below this share of the limit is worth a warning. */
export const LOW_BUDGET_SHARE = 0.1;

export function isBudgetLow(info: RateLimitInfo): boolean {
  return info.limit > 0 && info.remaining <= info.limit * LOW_BUDGET_SHARE;
}

export interface RateLimitGateDeps {
  readonly now: () => number;
  readonly random: () => number;
  /** extra wait added to the reset so that many clients do not retry in the same millisecond */
  readonly jitterMs: number;
  /** the longest the gate closes for, jitter included */
  readonly maxCloseMs: number;
}

export interface GateClosing {
  /** how long the gate is now closed, at most maxCloseMs */
  readonly waitMs: number;
  /** what the header asked for, jitter included */
  readonly requestedMs: number;
  /** the header asked for more than maxCloseMs: calls fail instead of waiting until the gate reopens */
  readonly capped: boolean;
}

export class RateLimitGate {
  private lastInfo: RateLimitInfo | undefined;
  private readonly byName = new Map<string, RateLimitInfo>();
  private closedUntil = 0;
  private failFast = false;

  constructor(private readonly deps: RateLimitGateDeps) {}

  observe(info: RateLimitInfo): void {
    this.lastInfo = info;
    if (info.name) this.byName.set(info.name, info);
  }

  last(): RateLimitInfo | undefined {
    return this.lastInfo;
  }

  all(): ReadonlyMap<string, RateLimitInfo> {
    return this.byName;
  }

  /**
   * After a 429: no request goes out before the reset plus jitter, capped at
   * maxCloseMs. `resetWaitMs` is the wait the headers asked for (see
   * src/http/retry-after.ts); without one we fall back to `fallbackMs`.
   */
  close(resetWaitMs: number | undefined, fallbackMs: number): GateClosing {
    const base = resetWaitMs !== undefined && resetWaitMs >= 0 ? resetWaitMs : fallbackMs;
    const requested = base + Math.floor(this.deps.random() * this.deps.jitterMs);
    const { waitMs, capped } = cappedWaitMs(requested, this.deps.maxCloseMs);
    const now = this.deps.now();
    if (now + waitMs >= this.closedUntil) {
      this.closedUntil = now + waitMs;
      this.failFast = capped;
    }
    return { waitMs: this.closedUntil - now, requestedMs: requested, capped: this.failFast };
  }

  /** The gate was closed for a reset beyond the cap: waiting would not help, fail instead. */
  failsFast(): boolean {
    return this.failFast && this.waitMs() > 0;
  }

  /** Milliseconds until requests may go out again; 0 when open. */
  waitMs(): number {
    return Math.max(0, this.closedUntil - this.deps.now());
  }
}
