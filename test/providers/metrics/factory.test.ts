import { describe, expect, it } from 'vitest';
import {
  createMetricsProvider,
  createMetricsProviders,
  metricsProviderNameFor,
  type MetricsProviderConfig,
} from '../../../src/providers/metrics/factory.js';
import { ENV } from './datadog/test-kit.js';

const datadog: MetricsProviderConfig = {
  type: 'datadog',
  site: 'datadoghq.com',
  timeoutMs: 1000,
  maxRetries: 1,
};

describe('createMetricsProvider', () => {
  it('builds a Datadog provider named after its config key, with zeroed counters', () => {
    const p = createMetricsProvider('dd-gov', { ...datadog, site: 'ddog-gov.com' }, { env: ENV });
    expect(p.name).toBe('dd-gov');
    expect(p.stats()).toEqual({ requests: 0, errors: 0 });
    expect(p.rateLimit()).toBeUndefined();
  });

  it('throws E_UNKNOWN_TYPE for an unknown type', () => {
    const config = { type: 'prometheus' } as unknown as MetricsProviderConfig;
    expect(() => createMetricsProvider('prom', config, { env: ENV })).toThrow(
      expect.objectContaining({
        code: 'E_UNKNOWN_TYPE',
        message: 'metrics provider "prom" has unknown type "prometheus" (known: datadog)',
      }),
    );
  });

  it('creates every configured provider', () => {
    const map = createMetricsProviders({ metrics: { a: datadog, b: datadog } }, { env: ENV });
    expect([...map.keys()]).toEqual(['a', 'b']);
  });
});

describe('metricsProviderNameFor', () => {
  const one = { metrics: { datadog } };
  const two = { metrics: { datadog, eu: { ...datadog, site: 'datadoghq.eu' as const } } };
  it.each([
    [undefined, one, 'datadog'],
    ['datadog', one, 'datadog'],
    ['eu', two, 'eu'],
  ] as const)('%s in %o → %s', (requested, config, expected) => {
    expect(metricsProviderNameFor(requested, config)).toBe(expected);
  });

  it.each([
    [
      undefined,
      two,
      'several metrics providers are configured (datadog, eu): the metric must name one with `provider:`',
    ],
    [undefined, { metrics: {} }, 'no metrics provider is configured (config `metrics:`)'],
    ['nope', one, 'metrics provider "nope" is not configured (configured: datadog)'],
  ] as const)('%s → E_CONFIG_INVALID', (requested, config, message) => {
    expect(() => metricsProviderNameFor(requested, config)).toThrow(
      expect.objectContaining({ code: 'E_CONFIG_INVALID', message }),
    );
  });
});
