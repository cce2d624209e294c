/*
 * The Datadog sandbox's rate limits: a budget per endpoint and fixed period,
 * reported on every answer in Datadog's X-RateLimit-* headers and, when
 * enforced, exhausted past `limit` requests in a period.
 */

export type SandboxEndpoint = 'scalar' | 'logs' | 'rum' | 'validate';

const RATE_LIMIT_NAMES: Record<SandboxEndpoint, string> = {
  scalar: 'metrics_query',
  logs: 'logs_aggregate',
  rum: 'rum_aggregate',
  validate: 'validate',
};

export interface RateLimitBudget {
  readonly limit: number;
  readonly periodSeconds: number;
}

export interface Metered {
  readonly headers: Record<string, string>;
  readonly exhausted: boolean;
}

/** `enforced` undefined: headers with a large budget, never exhausted. */
export function rateLimitMeter(
  enforced: RateLimitBudget | undefined,
  now: () => number,
): (endpoint: SandboxEndpoint) => Metered {
  const period = enforced?.periodSeconds ?? 60;
  const limit = enforced?.limit ?? 100_000;
  const budgets = new Map<SandboxEndpoint, { windowStart: number; used: number }>();
  /** Consumes one request of the endpoint's budget; the X-RateLimit-* headers of the answer. */
  return (endpoint) => {
    const t = now();
    const windowStart = Math.floor(t / (period * 1000)) * period * 1000;
    let budget = budgets.get(endpoint);
    if (!budget || budget.windowStart !== windowStart) {
      budget = { windowStart, used: 0 };
      budgets.set(endpoint, budget);
    }
    budget.used += 1;
    const reset = Math.max(1, Math.ceil((windowStart + period * 1000 - t) / 1000));
    return {
      exhausted: enforced !== undefined && budget.used > limit,
      headers: {
        'x-ratelimit-limit': String(limit),
        'x-ratelimit-period': String(period),
        'x-ratelimit-remaining': String(Math.max(0, limit - budget.used)),
        'x-ratelimit-reset': String(reset),
        'x-ratelimit-name': RATE_LIMIT_NAMES[endpoint],
      },
    };
  };
}
