import { describe, expect, it } from 'vitest';
import { StagegateError } from '../../src/errors.js';
import type { Measurement, MetricRequest, MetricsProvider } from '../../src/ports/metrics-provider.js';
import type { ToggleProvider, ToggleState } from '../../src/ports/toggle-provider.js';
import { instrumentMetricsProvider, instrumentToggleProvider } from '../../src/server/instrument.js';
import { StagegateMetrics } from '../../src/server/metrics.js';
import { toggleState } from '../../src/providers/toggles/toggle-state.js';

const lines = (text: string, prefix: string): string[] =>
  text.split('\n').filter((l) => l.startsWith(prefix));

class FakeDatadog implements MetricsProvider {
  readonly name = 'datadog';
  answers: Measurement[] = [];
  throws = false;
  async query(): Promise<Measurement> {
    throw new Error('unused');
  }
  async queryMany(requests: readonly MetricRequest[]): Promise<Measurement[]> {
    if (this.throws) throw new StagegateError('E_PROVIDER_UNREACHABLE', 'connect ECONNREFUSED');
    return requests.map((_, i) => this.answers[i] ?? { kind: 'value', value: 1 });
  }
  rateLimit() {
    return { limit: 100, remaining: 42, reset: 10, period: 60, name: 'query_scalar' };
  }
}

const req = (id: string): MetricRequest => ({
  id,
  query: { kind: 'value', query: 'sum:x{*}', aggregator: 'sum' },
  window: { from: 0, to: 1 },
});

describe('instrumentMetricsProvider', () => {
  it('times each call, counts error measurements by code and exports the rate-limit budget', async () => {
    const metrics = new StagegateMetrics({ defaultMetrics: false });
    const inner = new FakeDatadog();
    const provider = instrumentMetricsProvider(inner, metrics);
    await provider.queryMany([req('a'), req('b')]);
    inner.answers = [
      { kind: 'error', code: 'E_PROVIDER_RATE_LIMITED', message: '429' },
      { kind: 'error', code: 'E_PROVIDER_RATE_LIMITED', message: '429' },
    ];
    expect(await provider.query(req('a').query, { from: 0, to: 1 })).toEqual(inner.answers[0]);
    inner.throws = true;
    await expect(provider.queryMany([req('a')])).rejects.toThrow('connect ECONNREFUSED');

    const text = await metrics.text();
    expect(lines(text, 'stagegate_provider_request_duration_seconds_count')).toEqual([
      'stagegate_provider_request_duration_seconds_count{provider="datadog",outcome="ok"} 1',
      'stagegate_provider_request_duration_seconds_count{provider="datadog",outcome="error"} 2',
    ]);
    expect(lines(text, 'stagegate_provider_errors_total{')).toEqual([
      'stagegate_provider_errors_total{provider="datadog",code="E_PROVIDER_RATE_LIMITED"} 1',
      'stagegate_provider_errors_total{provider="datadog",code="E_PROVIDER_UNREACHABLE"} 1',
    ]);
    expect(lines(text, 'stagegate_datadog_ratelimit_remaining{')).toEqual([
      'stagegate_datadog_ratelimit_remaining{provider="datadog",name="query_scalar"} 42',
    ]);
  });
});

describe('instrumentToggleProvider', () => {
  const state: ToggleState = toggleState({
    feature: 'f',
    exists: true,
    enabled: false,
    percentageOfActors: 25,
    percentageOfTime: 0,
    expression: null,
    actors: [],
    groups: [],
  });

  it('passes calls through, timing them and counting thrown errors', async () => {
    const metrics = new StagegateMetrics({ defaultMetrics: false });
    const calls: string[] = [];
    const inner: ToggleProvider = {
      name: 'flipper',
      read: async (f) => (calls.push(`read ${f}`), state),
      setPercent: async (f, p, g) => (calls.push(`set ${f} ${p} ${g}`), state),
      disable: async () => {
        throw new StagegateError('E_TOGGLE_REJECTED', 'flipper answered 422');
      },
      enable: async (f) => (calls.push(`enable ${f}`), state),
    };
    const provider = instrumentToggleProvider(inner, metrics);
    expect(await provider.read('f')).toBe(state);
    await provider.setPercent('f', 25, 'percentage_of_actors');
    await provider.enable('f');
    await expect(provider.disable('f', 'zero')).rejects.toThrow('flipper answered 422');
    expect(calls).toEqual(['read f', 'set f 25 percentage_of_actors', 'enable f']);
    const text = await metrics.text();
    expect(lines(text, 'stagegate_provider_request_duration_seconds_count')).toEqual([
      'stagegate_provider_request_duration_seconds_count{provider="flipper",outcome="ok"} 3',
      'stagegate_provider_request_duration_seconds_count{provider="flipper",outcome="error"} 1',
    ]);
    expect(lines(text, 'stagegate_provider_errors_total{')).toEqual([
      'stagegate_provider_errors_total{provider="flipper",code="E_TOGGLE_REJECTED"} 1',
    ]);
  });
});
