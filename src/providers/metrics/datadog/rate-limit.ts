/*
 * Datadog's rate limits are per organisation and per endpoint family, and
 * every answer says where we stand: X-RateLimit-Limit / -Period / -Remaining /
 * -Reset (seconds until the window resets) / -Name. We remember the last
 * headers (per provider, and per name) so they can be logged and exported,
 * and after a 429 we close a gate until the reset (plus jitter) that every
 * request of this provider waits at — so one throttled check does not let the
 * other rollouts' checks keep hammering the same exhausted budget.
 */

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
}

export class RateLimitGate {
  private lastInfo: RateLimitInfo | undefined;
  private readonly byName = new Map<string, RateLimitInfo>();
  private closedUntil = 0;

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
   * After a 429: no request goes out before the reset plus jitter. Without a
   * reset header we fall back to `fallbackMs`. Returns how long the gate is closed.
   */
  close(resetSeconds: number | undefined, fallbackMs: number): number {
    const base = resetSeconds !== undefined && resetSeconds >= 0 ? resetSeconds * 1000 : fallbackMs;
    const until = this.deps.now() + base + Math.floor(this.deps.random() * this.deps.jitterMs);
    this.closedUntil = Math.max(this.closedUntil, until);
    return this.closedUntil - this.deps.now();
  }

  /** Milliseconds until requests may go out again; 0 when open. */
  waitMs(): number {
    return Math.max(0, this.closedUntil - this.deps.now());
  }
}
