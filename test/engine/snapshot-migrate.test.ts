import { describe, expect, it } from 'vitest';
import { MACHINE_VERSION } from '../../src/engine/context.js';
import type { DecisionCounters } from '../../src/engine/decide.js';
import { migrateContext, reconcileCounters } from '../../src/engine/snapshot-migrate.js';
import { makeRollout, ratioMetric, valueMetric } from './rollout-factory.js';

describe('migrateContext', () => {
  const v1 = {
    stageIndex: 1,
    stageName: 'half',
    counters: { breaches: { 'error_rate > 5%': 1 }, looks: {}, errors: 0 },
  };

  it('keeps a v1 context whole on the way to v2 (every new field is optional)', () => {
    expect(migrateContext(v1, 1, 2)).toEqual(v1);
  });

  it('returns the current version as it is', () => {
    expect(migrateContext(v1, MACHINE_VERSION, MACHINE_VERSION)).toBe(v1);
  });

  it.each([
    ['a newer version', v1, MACHINE_VERSION + 1, MACHINE_VERSION],
    ['a version with no migration path', v1, 0, MACHINE_VERSION],
    ['a null context', null, 1, 2],
    ['a string context', 'running', 1, 2],
    ['a number context', 42, 1, 2],
  ])('refuses %s', (_label, context, version, target) => {
    expect(migrateContext(context, version, target)).toBeUndefined();
  });
});

describe('reconcileCounters', () => {
  const rollout = makeRollout({
    metrics: [ratioMetric('error_rate'), valueMetric('sent'), ratioMetric('timeouts')],
    advance: ['error_rate < 2%'],
    rollback: ['error_rate > 5% for 2 checks', 'timeouts > 1%'],
  });
  const cusum = { s: 0.5, through: 1, trials: 10, events: 1 } as unknown as NonNullable<
    DecisionCounters['detectors']
  >[string];
  const ledger = { through: 1 } as unknown as NonNullable<DecisionCounters['increments']>[string];

  it('drops counters of criteria and metrics that are gone and keeps the rest', () => {
    const counters: DecisionCounters = {
      breaches: { 'error_rate > 5% for 2 checks': 1, 'latency > 300': 4 },
      looks: { 'timeouts > 1%': 3, 'gone > 1': 2 },
      errors: 2,
      breachSince: { 'error_rate > 5% for 2 checks': 100, 'latency > 300': 50 },
      failingSince: { 'error_rate < 2%': 10, 'error_rate < 1%': 20 },
      detectors: { 'timeouts > 1%': cusum, 'old > 2%': cusum },
      increments: { error_rate: ledger, sent: ledger, removed_metric: ledger },
    };
    expect(reconcileCounters(counters, rollout)).toEqual({
      breaches: { 'error_rate > 5% for 2 checks': 1 },
      looks: { 'timeouts > 1%': 3 },
      errors: 2,
      breachSince: { 'error_rate > 5% for 2 checks': 100 },
      failingSince: { 'error_rate < 2%': 10 },
      detectors: { 'timeouts > 1%': cusum },
      increments: { error_rate: ledger, sent: ledger },
    });
  });

  it('adds none of the optional counters a snapshot did not have', () => {
    const out = reconcileCounters({ breaches: {}, looks: {}, errors: 0 }, rollout);
    expect(Object.keys(out).sort()).toEqual(['breaches', 'errors', 'looks']);
  });

  it('keeps no increments for a metric that is not a sum', () => {
    const avg = makeRollout({
      metrics: [{ ...valueMetric('p99'), query: { kind: 'value', query: 'avg:p99{*}', aggregator: 'avg' } }],
      advance: ['p99 < 250'],
      rollback: [],
    });
    const out = reconcileCounters({ breaches: {}, looks: {}, errors: 0, increments: { p99: ledger } }, avg);
    expect(out.increments).toEqual({});
  });
});
