import type { Measurement, MetricsProvider } from '../../../src/ports/metrics-provider.js';

/** Metrics that pass every criterion the tests write: 1000 of anything, and ratios of 0.1%. */
export const healthy: MetricsProvider = {
  name: 'fake',
  query: () => Promise.resolve({ kind: 'value', value: 1000 }),
  queryMany: (requests) =>
    Promise.resolve(
      requests.map((r): Measurement =>
        r.query.kind === 'ratio'
          ? { kind: 'ratio', numerator: 1, denominator: 1000, value: 0.001 }
          : { kind: 'value', value: 1000 },
      ),
    ),
};
