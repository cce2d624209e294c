import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/rollout/errors.js';
import { loadRolloutFile, parseRolloutText } from '../../src/rollout/loader.js';
import { normalizeRollout, specHash, toRollout } from '../../src/rollout/normalize.js';
import { rolloutFileSchema } from '../../src/rollout/schema.js';
import type { Rollout } from '../../src/rollout/types.js';
import { MINIMAL, problemsIn, rolloutText } from './rollout-text.js';

/*
 * From the file as written to the Rollout the engine reads. Files are read
 * through the loader (parseRolloutText, loadRolloutFile) where the example
 * rollouts matter; objects go to normalizeRollout / toRollout directly.
 */

describe('normalization', () => {
  it('applies every default to a minimal file', () => {
    const r = parseRolloutText(MINIMAL, 'rollouts/tiny.yaml');
    const { specHash, ...rest } = r;
    expect(rest).toEqual({
      name: 'tiny',
      description: undefined,
      source: 'rollouts/tiny.yaml',
      toggle: {
        provider: 'local',
        feature: 'tiny_feature',
        gate: 'percentage_of_actors',
        onRollback: 'zero',
        onComplete: 'keep',
      },
      start: { kind: 'immediately' },
      check: { schedule: { kind: 'every', everyMs: 60_000 }, timezone: 'UTC', advanceDuring: undefined },
      stages: [{ name: 'all', percent: 100, minDurationMs: 0, minSamples: undefined, approval: false }],
      samples: undefined,
      metrics: {},
      criteria: { advance: [], rollback: [] },
      policy: { noData: 'hold', maxConsecutiveErrors: 4, confidence: 0.95, maxStageDurationMs: undefined },
      postLaunchMs: [],
      notify: [],
    } satisfies Omit<Rollout, 'specHash'>);
    expect(specHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('normalizes the event-bus-gateway example', async () => {
    const r = await loadRolloutFile('rollouts/event-bus-gateway-emails.yaml');
    expect(r.name).toBe('event-bus-gateway-emails');
    expect(r.toggle.feature).toBe('event_bus_gateway_emails_enabled');
    expect(r.stages.map((s) => [s.name, s.percent, s.minDurationMs, s.minSamples, s.approval])).toEqual([
      ['canary', 2, 4 * 3_600_000, 150, false],
      ['stage-b', 25, 8 * 3_600_000, undefined, false],
      ['stage-c', 50, 8 * 3_600_000, undefined, false],
      ['stage-d', 75, 8 * 3_600_000, undefined, false],
      ['stage-e', 100, 8 * 3_600_000, undefined, true],
    ]);
    expect(r.check).toEqual({
      schedule: { kind: 'every', everyMs: 300_000 },
      timezone: 'America/New_York',
      advanceDuring: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], startMinute: 480, endMinute: 960 },
    });
    expect(r.metrics.error_rate).toEqual({
      name: 'error_rate',
      provider: undefined,
      query: {
        kind: 'ratio',
        numerator: 'sum:vets_api.event_bus_gateway.email.failed{env:production}.as_count()',
        denominator: 'sum:vets_api.event_bus_gateway.email.sent{env:production}.as_count()',
      },
      window: { kind: 'duration', ms: 900_000 },
    });
    expect(r.metrics.sent?.window).toEqual({ kind: 'stage' });
    expect(r.criteria.rollback).toEqual([
      {
        text: 'error_rate > 5% for 2 checks',
        metric: 'error_rate',
        op: '>',
        threshold: 0.05,
        percent: true,
        forChecks: 2,
      },
      {
        text: 'contact_center_calls >= 2',
        metric: 'contact_center_calls',
        op: '>=',
        threshold: 2,
        percent: false,
        forChecks: 1,
      },
    ]);
    expect(r.policy.maxStageDurationMs).toBe(72 * 3_600_000);
    expect(r.postLaunchMs).toEqual([7 * 86_400_000, 30 * 86_400_000]);
  });

  it('normalizes RUM cardinality and logs count sources of the VR&E example', async () => {
    const r = await loadRolloutFile('rollouts/vre-eligibility-status-updates.yaml');
    expect(r.start).toEqual({ kind: 'manual' });
    expect(r.check.schedule).toEqual({ kind: 'cron', cron: '*/10 * * * *' });
    expect(r.metrics.unique_users?.query).toEqual({
      kind: 'events',
      source: 'rum',
      search:
        '@type:view @view.url_path:"/careers-employment/vocational-rehabilitation/my-eligibility-and-benefits"',
      aggregation: 'cardinality',
      facet: '@usr.id',
    });
    expect(r.metrics.error_logs?.query).toMatchObject({
      kind: 'events',
      source: 'logs',
      aggregation: 'count',
      facet: undefined,
    });
  });

  it('turns a start timestamp into epoch ms, honouring its offset', () => {
    const r = parseRolloutText(
      MINIMAL.replace('check:', 'start: "2025-06-17T08:00:00-04:00"\ncheck:'),
      'r.yaml',
    );
    expect(r.start).toEqual({ kind: 'at', at: Date.UTC(2025, 5, 17, 12, 0, 0) });
  });

  it('gives the same specHash whatever the key order or file path, and a new one when the spec changes', () => {
    const a = parseRolloutText(MINIMAL, 'a.yaml');
    const reordered = `stages:\n  - { percent: 100, name: all }\ncheck: { every: 60s }\ntoggle: { feature: tiny_feature, provider: local }\nname: tiny\n`;
    const b = parseRolloutText(reordered, 'elsewhere/b.yaml');
    expect(b.specHash).toBe(a.specHash);
    const c = parseRolloutText(MINIMAL.replace('percent: 100', 'percent: 99'), 'a.yaml');
    expect(c.specHash).not.toBe(a.specHash);
  });

  it('normalizeRollout validates an object and reports problems without positions', () => {
    expect(
      normalizeRollout({
        name: 'tiny',
        toggle: { provider: 'local', feature: 'f' },
        check: { every: '1m' },
        stages: [{ name: 'all', percent: 100 }],
      }).name,
    ).toBe('tiny');
    let caught: unknown;
    try {
      normalizeRollout(
        {
          name: 'tiny',
          toggle: { provider: 'local', feature: 'f' },
          check: { every: '1m' },
          stages: [{ name: 'all', percent: 100 }],
          criteria: { advance: ['nope < 1'] },
        },
        'memory',
      );
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SpecError);
    expect((caught as SpecError).message).toBe(
      'memory: criteria.advance[0]: unknown metric "nope" (no metrics are defined)',
    );
  });
});

describe('toRollout', () => {
  const base = {
    name: 'tiny',
    toggle: { provider: 'local', feature: 'f' },
    check: { every: '1m' },
    stages: [{ name: 'all', percent: 100 }],
  };
  const normalized = (over: Record<string, unknown>): Rollout =>
    toRollout(rolloutFileSchema.parse({ ...base, ...over }), 'src.yaml');

  it.each([
    [{ days: ['sat'] }, { days: ['sat'], startMinute: 0, endMinute: 1440 }],
    [
      { hours: '08:30-16:00' },
      { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], startMinute: 510, endMinute: 960 },
    ],
  ])('advanceDuring %j → %j', (advanceDuring, expected) => {
    expect(normalized({ check: { every: '1m', advanceDuring } }).check.advanceDuring).toEqual(expected);
  });

  it('turns durations into ms, a cron into a cron schedule, and an approval into a boolean', () => {
    const r = normalized({
      check: { cron: '*/10 * * * *' },
      stages: [{ name: 'all', percent: 100, minDuration: '1h30m', approval: 'required' }],
      policy: { maxStageDuration: '2d', failingFor: '30m', onFailing: 'pause' },
      postLaunch: ['7d'],
    });
    expect(r.check.schedule).toEqual({ kind: 'cron', cron: '*/10 * * * *' });
    expect(r.stages[0]).toMatchObject({ minDurationMs: 5_400_000, approval: true });
    expect(r.policy).toMatchObject({
      maxStageDurationMs: 172_800_000,
      failingForMs: 1_800_000,
      onFailing: 'pause',
    });
    expect(r.postLaunchMs).toEqual([604_800_000]);
    expect(r.source).toBe('src.yaml');
  });

  it('adds optional fields only when written, so older rollouts keep their spec hash', () => {
    const r = normalized({});
    expect('failingForMs' in r.policy).toBe(false);
    expect('onFailing' in r.policy).toBe(false);
    expect('report' in r).toBe(false);
    const withNoData = normalized({
      metrics: {
        sent: {
          datadog: { query: 'sum:sent{*}.as_count()', aggregator: 'sum' },
          window: 'stage',
          noData: 'zero',
        },
      },
    });
    expect(withNoData.metrics['sent']).toEqual({
      name: 'sent',
      provider: undefined,
      query: { kind: 'value', query: 'sum:sent{*}.as_count()', aggregator: 'sum' },
      window: { kind: 'stage' },
      noData: 'zero',
    });
  });

  it('hashes the spec without its source', () => {
    const r = normalized({});
    const { specHash: hash, source: _source, ...spec } = r;
    expect(specHash(spec)).toBe(hash);
    expect(toRollout(rolloutFileSchema.parse(base), 'elsewhere.yaml').specHash).toBe(hash);
  });
});

// issue 10/11: refused by rules.ts where it does not apply, carried into the Rollout where it does
describe('noData: zero', () => {
  it('is accepted for a sum and for logs/rum counts, and reaches the Rollout', () => {
    const text = rolloutText({
      metrics: [
        '  calls:',
        '    datadog: { query: "sum:calls{*}.as_count()", aggregator: sum }',
        '    noData: zero',
        '  events:',
        '    datadog: { logs: { search: "service:x" } }',
        '    noData: zero',
      ].join('\n'),
    });
    expect(problemsIn(text)).toEqual([]);
    const r = parseRolloutText(text, 'r.yaml');
    expect(r.metrics.calls?.noData).toBe('zero');
    expect(r.metrics.events?.noData).toBe('zero');
  });

  it.each([
    [
      '    datadog: { numerator: "a", denominator: "b" }',
      'noData: zero is refused here: a ratio with no data has no denominator: 0 of 0 is not a rate (no data stays no data)',
    ],
    [
      '    datadog: { query: "avg:lat{*}", aggregator: avg }',
      'noData: zero is refused here: aggregator avg of nothing is not 0: only counts (aggregator sum, logs/rum) may read no data as zero',
    ],
  ])('is refused for %s', (source, message) => {
    const text = rolloutText({ metrics: `  calls:\n${source}\n    noData: zero`, criteria: '  advance: []' });
    expect(problemsIn(text)).toEqual([`r.yaml:10:13: metrics.calls.noData: ${message}`]);
  });

  it('leaves the spec hash of files that do not use the new fields alone', () => {
    const plain = parseRolloutText(rolloutText({}), 'r.yaml');
    expect(plain.metrics.calls).not.toHaveProperty('noData');
    expect(plain.policy).not.toHaveProperty('failingForMs');
    expect(plain.policy).not.toHaveProperty('onFailing');
  });
});

describe('policy.failingFor / onFailing', () => {
  it('reach the Rollout in ms', () => {
    const r = parseRolloutText(rolloutText({ policy: '{ failingFor: 2h, onFailing: rollback }' }), 'r.yaml');
    expect(r.policy).toMatchObject({ failingForMs: 7_200_000, onFailing: 'rollback' });
  });
});
