import { describe, expect, it } from 'vitest';
import {
  isBudgetLow,
  parseRateLimitHeaders,
  RateLimitGate,
} from '../../../../src/providers/metrics/datadog/rate-limit.js';

describe('parseRateLimitHeaders', () => {
  it.each([
    [
      {
        'x-ratelimit-limit': '100',
        'x-ratelimit-period': '10',
        'x-ratelimit-remaining': '3',
        'x-ratelimit-reset': '4',
        'x-ratelimit-name': 'metrics_query',
      },
      { limit: 100, period: 10, remaining: 3, reset: 4, name: 'metrics_query' },
    ],
    [
      { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': '4' },
      { limit: 100, period: 4, remaining: 3, reset: 4, name: '' },
    ],
    [{ 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '3' }, undefined],
    [{ 'x-ratelimit-limit': 'lots', 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': '4' }, undefined],
    [{}, undefined],
  ])('%o', (headers, expected) => {
    expect(parseRateLimitHeaders(headers)).toEqual(expected);
  });

  it.each([
    [100, 10, true],
    [100, 11, false],
    [0, 0, false],
  ])('limit %i remaining %i low=%s', (limit, remaining, low) => {
    expect(isBudgetLow({ limit, remaining, reset: 1, period: 1, name: 'x' })).toBe(low);
  });
});

describe('RateLimitGate', () => {
  function gate(maxCloseMs = 60_000, jitter = 0.5) {
    const clock = { now: 1_000_000 };
    const g = new RateLimitGate({ now: () => clock.now, random: () => jitter, jitterMs: 200, maxCloseMs });
    return { g, clock };
  }
  const info = (name: string, remaining: number) => ({ limit: 100, period: 10, remaining, reset: 4, name });

  it('remembers the last answer and the last one per rate-limit name', () => {
    const { g } = gate();
    g.observe(info('metrics_query', 50));
    g.observe(info('logs_query', 40));
    g.observe(info('metrics_query', 30));
    g.observe(info('', 20));
    expect(g.last()?.remaining).toBe(20);
    expect([...g.all()].map(([n, i]) => [n, i.remaining])).toEqual([
      ['metrics_query', 30],
      ['logs_query', 40],
    ]);
  });

  it('closes for the reset plus jitter, then opens as time passes', () => {
    const { g, clock } = gate();
    expect(g.waitMs()).toBe(0);
    expect(g.close(4_000, 1_000)).toEqual({ waitMs: 4_100, requestedMs: 4_100, capped: false });
    clock.now += 4_000;
    expect(g.waitMs()).toBe(100);
    expect(g.failsFast()).toBe(false);
    clock.now += 100;
    expect(g.waitMs()).toBe(0);
  });

  it('falls back when the headers asked for no wait', () => {
    const { g } = gate();
    expect(g.close(undefined, 1_000).waitMs).toBe(1_100);
  });

  it('a reset beyond the cap closes for the cap and makes calls fail fast until it reopens', () => {
    const { g, clock } = gate(30_000);
    const closing = g.close(3_600_000, 1_000);
    expect(closing).toEqual({ waitMs: 30_000, requestedMs: 3_600_100, capped: true });
    expect(g.failsFast()).toBe(true);
    clock.now += 30_000;
    expect(g.failsFast()).toBe(false);
  });

  it('a shorter closing never reopens a gate closed for longer', () => {
    const { g } = gate();
    g.close(10_000, 1_000);
    expect(g.close(1_000, 1_000).waitMs).toBe(10_100);
    expect(g.waitMs()).toBe(10_100);
  });
});
