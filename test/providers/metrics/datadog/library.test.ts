import { describe, expect, it } from 'vitest';
import {
  loadAuthLibrary,
  loadLibrary,
  preloadDatadogLibrary,
} from '../../../../src/providers/metrics/datadog/library.js';

describe('the Datadog client library, loaded on first use', () => {
  it('is loaded once: a preload and every later load share the same modules', async () => {
    preloadDatadogLibrary();
    const [a, b] = await Promise.all([loadLibrary(), loadLibrary()]);
    expect(a).toBe(b);
    expect(loadLibrary()).toBe(loadLibrary());
  });

  it('exposes the common client and the v2 metrics, logs and RUM APIs', async () => {
    const lib = await loadLibrary();
    expect(typeof lib.client.createConfiguration).toBe('function');
    expect(typeof lib.client.RequestContext).toBe('function');
    expect(typeof lib.MetricsApi.prototype.queryScalarData).toBe('function');
    expect(typeof lib.LogsApi.prototype.aggregateLogs).toBe('function');
    expect(typeof lib.RUMApi.prototype.aggregateRUMEvents).toBe('function');
  });

  it('loads the v1 authentication API separately, once', async () => {
    const auth = await loadAuthLibrary();
    expect(loadAuthLibrary()).toBe(loadAuthLibrary());
    expect(typeof auth.AuthenticationApi.prototype.validate).toBe('function');
  });
});
