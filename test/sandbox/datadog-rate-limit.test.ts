import { describe, expect, it } from 'vitest';
import { rateLimitMeter } from '../../src/sandbox/datadog-rate-limit.js';

/* The Datadog sandbox's budgets per endpoint (src/sandbox/datadog-rate-limit.ts). */

const T0 = 1_750_000_000_000; // a whole multiple of 10 s

describe('rateLimitMeter', () => {
  it('spends a budget per endpoint and period, exhausted past the limit, fresh in the next period', () => {
    let now = T0 + 1000;
    const meter = rateLimitMeter({ limit: 2, periodSeconds: 10 }, () => now);
    const first = meter('scalar');
    expect(first).toEqual({
      exhausted: false,
      headers: {
        'x-ratelimit-limit': '2',
        'x-ratelimit-period': '10',
        'x-ratelimit-remaining': '1',
        'x-ratelimit-reset': '9',
        'x-ratelimit-name': 'metrics_query',
      },
    });
    expect(meter('scalar').exhausted).toBe(false);
    const third = meter('scalar');
    expect([third.exhausted, third.headers['x-ratelimit-remaining']]).toEqual([true, '0']);
    // another endpoint has its own budget
    expect(meter('logs').headers).toMatchObject({
      'x-ratelimit-remaining': '1',
      'x-ratelimit-name': 'logs_aggregate',
    });
    now = T0 + 10_000;
    expect(meter('scalar')).toMatchObject({ exhausted: false, headers: { 'x-ratelimit-remaining': '1' } });
  });

  it('without a budget to enforce, reports a large one and never runs out', () => {
    const meter = rateLimitMeter(undefined, () => T0);
    for (let i = 0; i < 5; i++) meter('rum');
    expect(meter('rum')).toMatchObject({
      exhausted: false,
      headers: {
        'x-ratelimit-limit': '100000',
        'x-ratelimit-remaining': '99994',
        'x-ratelimit-period': '60',
      },
    });
  });
});
