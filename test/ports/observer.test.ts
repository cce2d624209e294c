import { describe, expect, it } from 'vitest';
import { noopMetrics } from '../../src/ports/observer.js';
import { StagegateMetrics } from '../../src/server/metrics.js';

describe('noopMetrics', () => {
  it('has every call the Prometheus recorder has for the controller, and each does nothing', () => {
    const calls = Object.keys(noopMetrics).sort();
    expect(calls).toEqual([
      'forgetRollout',
      'recordCheck',
      'recordProviderError',
      'recordProviderRequest',
      'recordRateLimit',
      'recordRollback',
      'recordSummary',
      'recordToggleWrite',
    ]);
    const real = new StagegateMetrics() as unknown as Record<string, unknown>;
    for (const call of calls) expect(typeof real[call]).toBe('function');
    const fns = noopMetrics as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const call of calls) expect(fns[call]?.({ rollout: 'x' })).toBeUndefined();
  });

  it('is one shared object: the server re-exports the same recorder', async () => {
    const server = await import('../../src/server/metrics.js');
    expect(server.noopMetrics).toBe(noopMetrics);
  });
});
