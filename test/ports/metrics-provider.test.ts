import { describe, expect, it } from 'vitest';
import {
  canQueryTopValues,
  type MetricsProvider,
  type TopValuesAnswer,
} from '../../src/ports/metrics-provider.js';
import { createMetricsProvider } from '../../src/providers/metrics/factory.js';
import { ENV } from '../providers/metrics/datadog/test-kit.js';

const base: MetricsProvider = {
  name: 'plain',
  query: () => Promise.resolve({ kind: 'no-data', reason: 'test' }),
  queryMany: (requests) =>
    Promise.resolve(requests.map(() => ({ kind: 'no-data', reason: 'test' }) as const)),
};

describe('canQueryTopValues', () => {
  it('is false for a provider without topValues, or with a topValues that is not a function', () => {
    expect(canQueryTopValues(base)).toBe(false);
    expect(canQueryTopValues({ ...base, topValues: 'yes' } as unknown as MetricsProvider)).toBe(false);
  });

  it('is true for a provider that can group events, and narrows its type', async () => {
    const answer: TopValuesAnswer = { kind: 'values', values: [{ value: 'timeout', count: 3 }] };
    const p: MetricsProvider = Object.assign({ ...base }, { topValues: () => Promise.resolve(answer) });
    expect(canQueryTopValues(p)).toBe(true);
    if (canQueryTopValues(p)) {
      const got = await p.topValues(
        { source: 'logs', search: 'status:error', facet: '@error.message', limit: 5 },
        { from: 0, to: 1 },
      );
      expect(got).toBe(answer);
    }
  });

  it('the Datadog provider can', () => {
    const dd = createMetricsProvider(
      'datadog',
      { type: 'datadog', site: 'datadoghq.com', timeoutMs: 1000, maxRetries: 0 },
      {
        env: ENV,
      },
    );
    expect(canQueryTopValues(dd)).toBe(true);
  });
});
