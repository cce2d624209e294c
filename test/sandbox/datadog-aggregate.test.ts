import { describe, expect, it } from 'vitest';
import { answerAggregate, parseTime } from '../../src/sandbox/datadog-aggregate.js';
import { eventsKey, type SeriesSpec } from '../../src/sandbox/scenario.js';

/* POST /api/v2/{logs,rum}/analytics/aggregate of the Datadog sandbox, without HTTP (src/sandbox/datadog-aggregate.ts). */

const NOW = 1_750_000_600_000;

const series = (entries: Record<string, SeriesSpec>) => new Map(Object.entries(entries));

function body(compute: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { compute: [compute], filter: { query: 'status:error', from: 'now-10m', to: 'now' }, ...extra };
}

describe('parseTime', () => {
  it.each([
    ['1750000000000', 1_750_000_000_000],
    ['now', NOW],
    ['now-15m', NOW - 900_000],
    ['now-2h', NOW - 7_200_000],
    ['2025-06-15T15:06:40Z', Date.parse('2025-06-15T15:06:40Z')],
    ['yesterday', undefined],
  ])('%s', (text, expected) => {
    expect(parseTime(text, NOW)).toBe(expected);
  });
});

describe('answerAggregate', () => {
  it('counts a search’s events over the window, named by the request id; no series is no buckets', () => {
    const specs = series({ [eventsKey('logs', 'status:error')]: { perSecond: 0.5 } });
    expect(answerAggregate('logs', body({ aggregation: 'count' }), specs, NOW, 7).body).toEqual({
      data: { buckets: [{ by: {}, computes: { c0: 300 } }] },
      meta: { elapsed: 1, request_id: 'sandbox-7', status: 'done' },
    });
    expect(answerAggregate('rum', body({ aggregation: 'count' }), specs, NOW, 8).body).toMatchObject({
      data: { buckets: [] },
    });
  });

  it('a cardinality reads its own series, and needs a metric', () => {
    const specs = series({
      [eventsKey('rum', 'status:error', 'cardinality', '@usr.id')]: { perSecond: 0.1 },
      [eventsKey('rum', 'status:error')]: { perSecond: 5 },
    });
    const users = answerAggregate(
      'rum',
      body({ aggregation: 'cardinality', metric: '@usr.id' }),
      specs,
      NOW,
      1,
    );
    expect(users.body).toMatchObject({ data: { buckets: [{ computes: { c0: 60 } }] } });
    expect(answerAggregate('rum', body({ aggregation: 'cardinality' }), specs, NOW, 2).body).toEqual({
      errors: ['cardinality needs a metric'],
    });
  });

  it('grouped by a facet: one bucket per group, largest first by measure, cut to the limit', () => {
    const specs = series({
      [eventsKey('logs', 'status:error')]: {
        groups: {
          'SMTP timeout': { perSecond: 1 },
          'DNS failure': { perSecond: 0.2 },
          quiet: { perSecond: 0 },
        },
      },
    });
    const groupBy = [{ facet: '@error.message', limit: 1, sort: { order: 'desc', type: 'measure' } }];
    expect(
      answerAggregate('logs', body({ aggregation: 'count' }, { group_by: groupBy }), specs, NOW, 1).body,
    ).toMatchObject({
      data: { buckets: [{ by: { '@error.message': 'SMTP timeout' }, computes: { c0: 600 } }] },
    });
    const all = answerAggregate(
      'logs',
      body({ aggregation: 'count' }, { group_by: [{ facet: 'f' }] }),
      specs,
      NOW,
      2,
    );
    // alphabetical, descending by default; a group with no events is left out
    expect(
      (all.body as { data: { buckets: Array<{ by: { f: string } }> } }).data.buckets.map((b) => b.by.f),
    ).toEqual(['SMTP timeout', 'DNS failure']);
  });

  it('refuses bad bodies, bad dates and grouped cardinalities', () => {
    expect(answerAggregate('logs', { compute: [] }, series({}), NOW, 1).status).toBe(400);
    const badDate = { ...body({ aggregation: 'count' }), filter: { query: '*', from: 'later', to: 'now' } };
    expect(answerAggregate('logs', badDate, series({}), NOW, 1).body).toEqual({
      errors: ['invalid from/to'],
    });
    const grouped = body({ aggregation: 'cardinality', metric: '@usr.id' }, { group_by: [{ facet: 'f' }] });
    expect(answerAggregate('logs', grouped, series({}), NOW, 1).body).toEqual({
      errors: ['the sandbox groups count computes only'],
    });
  });
});
