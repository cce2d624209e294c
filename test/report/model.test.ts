import { describe, expect, it } from 'vitest';
import { buildReportModel, parseCheckDetail } from '../../src/report/index.js';
import { formatTime, formatValue } from '../../src/report/format.js';
import { stageTimeline } from '../../src/report/stage-timeline.js';
import type { HistoryEntry } from '../../src/ports/state-store.js';
import { START, check, recordFor, rollout, transition, write } from './fixtures.js';

const M = 60_000;
const obs = { sent: 100, failed: 1, clicks: 40, delivered: 100, calls: 0 };

describe('formatting', () => {
  it.each([
    [0.031, true, '3.1%'],
    [0.05, true, '5%'],
    [0.123456, true, '12.35%'],
    [2, false, '2'],
    [1.23456, false, '1.235'],
  ])('formatValue(%d, %s) → %s', (v, pct, text) => {
    expect(formatValue(v, pct)).toBe(text);
  });

  it.each([
    ['2025-06-17T12:00:00.000Z', 'America/New_York', '2025-06-17 08:00 GMT-4'],
    ['2025-01-17T12:00:00.000Z', 'America/New_York', '2025-01-17 07:00 GMT-5'],
    ['2025-06-17T23:30:00.000Z', 'UTC', '2025-06-17 23:30 UTC'],
    ['2025-06-17T23:30:00.000Z', 'Asia/Kolkata', '2025-06-18 05:00 GMT+5:30'],
  ])('formatTime(%s, %s) → %s', (t, tz, text) => {
    expect(formatTime(t, tz)).toBe(text);
  });
});

describe('parseCheckDetail', () => {
  it('keeps the parts that parse and drops the rest', () => {
    const d = parseCheckDetail({
      measurements: {
        a: { kind: 'value', value: 1 },
        b: { kind: 'weird' },
        c: { kind: 'no-data', reason: 'empty' },
      },
      results: [
        { criterion: 'a < 2', kind: 'advance', verdict: 'pass', value: 1 },
        { criterion: { text: 'b > 1' }, kind: 'advance', verdict: 'pass', value: 1 },
      ],
      decision: 'advance',
      errors: 'nope',
      postLaunch: 604800000,
    });
    expect(d).toEqual({
      state: null,
      toggle: null,
      exposure: null,
      durationMs: null,
      measurements: { a: { kind: 'value', value: 1 }, c: { kind: 'no-data', reason: 'empty' } },
      results: [
        {
          criterion: { text: 'a < 2', metric: 'a', percent: false },
          kind: 'advance',
          verdict: 'pass',
          value: 1,
          interval: null,
          reason: null,
        },
      ],
      decision: { action: 'advance', reasons: [] },
      errors: null,
      postLaunch: { offsetMs: 604800000 },
    });
  });

  it.each([[undefined], [null], ['text'], [42]])('%j → an empty detail', (raw) => {
    expect(parseCheckDetail(raw)).toEqual({
      state: null,
      toggle: null,
      exposure: null,
      durationMs: null,
      measurements: {},
      results: [],
      decision: null,
      errors: null,
      postLaunch: null,
    });
  });
});

describe('stageTimeline', () => {
  const byPercent = new Map([
    [2, 'canary'],
    [25, 'stage-b'],
  ]);

  it('starts a stage at the successful toggle write, even when the deciding check is appended after it', () => {
    const history: HistoryEntry[] = [
      ...write(START, 'i1', 2),
      check(START + 10 * M, 'canary', 2, obs, 'hold'),
      ...write(START + 20 * M, 'i2', 25),
      check(START + 20 * M, 'canary', 2, obs, 'advance'),
      check(START + 30 * M, 'stage-b', 25, obs, 'hold'),
    ];
    const t = stageTimeline(history, byPercent);
    expect(t.seen).toEqual(['canary', 'stage-b']);
    expect(t.periods.get('canary')).toEqual([{ start: START + 200, end: START + 20 * M + 200 }]);
    expect(t.periods.get('stage-b')).toEqual([{ start: START + 20 * M + 200, end: null }]);
    expect(t.entries.get('canary')?.filter((e) => e.type === 'check')).toHaveLength(2);
    expect(t.entries.get('stage-b')?.filter((e) => e.type === 'check')).toHaveLength(1);
  });

  it('a failed toggle write does not start the stage', () => {
    const history: HistoryEntry[] = [...write(START, 'i1', 2), ...write(START + M, 'i2', 25, false)];
    expect(stageTimeline(history, byPercent).seen).toEqual(['canary']);
  });

  it('a retry after a rollback runs the stage again as a second period', () => {
    const history: HistoryEntry[] = [
      transition(START, 'pending', 'running', 'canary', 0),
      transition(START + 10 * M, 'running', 'rolling_back', 'canary', 2),
      transition(START + 11 * M, 'rolling_back', 'rolled_back', 'canary', 0),
      transition(START + 60 * M, 'rolled_back', 'running', 'canary', 0, 'retry by ian'),
    ];
    expect(stageTimeline(history, byPercent).periods.get('canary')).toEqual([
      { start: START, end: START + 10 * M },
      { start: START + 60 * M, end: null },
    ]);
  });

  it('post-launch checks belong to no stage', () => {
    const history: HistoryEntry[] = [
      check(START, 'stage-e', 100, obs, 'hold', { postLaunchMs: 7 * 86_400_000 }),
    ];
    expect(stageTimeline(history, byPercent).seen).toEqual([]);
  });
});

describe('buildReportModel', () => {
  it('a rollout that never ran: every stage not reached, post-launch not due', () => {
    const rec = recordFor('event-bus-gateway-emails', 'pending', 'canary', 0, 0, null);
    const m = buildReportModel(rec, [], rollout, START);
    expect(m.stages.map((s) => [s.letter, s.name, s.status])).toEqual([
      ['A', 'canary', 'not reached'],
      ['B', 'stage-b', 'not reached'],
      ['C', 'stage-c', 'not reached'],
      ['D', 'stage-d', 'not reached'],
      ['E', 'stage-e', 'not reached'],
    ]);
    expect(m.startedAt).toBeNull();
    expect(m.postLaunch.map((p) => [p.label, p.dueAt, p.measuredAt])).toEqual([
      ['1-week', null, null],
      ['1-month', null, null],
    ]);
  });

  it('a stage in progress has no end, and advance criteria are met only on pass', () => {
    const rec = recordFor('event-bus-gateway-emails', 'running', 'canary', 0, 2, null);
    const history = [
      ...write(START, 'i1', 2),
      check(START + 5 * M, 'canary', 2, obs, 'hold', {
        advance: { error_rate: 'inconclusive', click_through: 'fail' },
      }),
    ];
    const [canary] = buildReportModel(rec, history, rollout, START + 6 * M).stages;
    expect(canary?.status).toBe('in progress');
    expect(canary?.periods).toEqual([{ startedAt: '2025-06-17T12:00:00.200Z', endedAt: null }]);
    expect(canary?.criteria.map((c) => [c.text, c.met, c.verdict])).toEqual([
      ['error_rate < 5%', false, 'inconclusive'],
      ['click_through > 30%', false, 'fail'],
      ['contact_center_calls < 2', true, 'pass'],
      ['error_rate > 5% for 2 checks', true, 'ok'],
    ]);
    expect(canary?.uniqueUsers).toBe(100);
    expect(canary?.errors).toBeNull();
  });

  it('a rollback guard breached at an earlier check of the stage stays unchecked', () => {
    const rec = recordFor('event-bus-gateway-emails', 'running', 'canary', 0, 2, null);
    const history = [
      check(START, 'canary', 2, obs, 'hold', { breach: true }),
      check(START + 5 * M, 'canary', 2, obs, 'hold'),
    ];
    const guard = buildReportModel(rec, history, rollout, START).stages[0]?.criteria.find(
      (c) => c.kind === 'rollback',
    );
    expect(guard).toMatchObject({ met: false, verdict: 'breach' });
  });

  it('shows the latest breach of a rollback guard: the value the rollback reason quotes', () => {
    const rec = recordFor('event-bus-gateway-emails', 'rolled_back', 'canary', 0, 2, 'error_rate breach');
    const history = [
      check(START, 'canary', 2, { ...obs, failed: 10 }, 'hold', { breach: true }),
      check(START + 5 * M, 'canary', 2, { ...obs, failed: 30 }, 'rollback', { breach: true }),
    ];
    const guard = buildReportModel(rec, history, rollout, START).stages[0]?.criteria.find(
      (c) => c.kind === 'rollback',
    );
    expect(guard).toMatchObject({ met: false, verdict: 'breach', value: 30 / obs.sent });
  });

  it('keeps the top 5 error messages by count', () => {
    const rec = recordFor('event-bus-gateway-emails', 'running', 'canary', 0, 2, null);
    const errors = [1, 9, 3, 7, 5, 2].map((count, i) => ({ message: `m${i}`, count }));
    const m = buildReportModel(rec, [check(START, 'canary', 2, obs, 'hold', { errors })], rollout, START);
    expect(m.stages[0]?.errors).toEqual([
      { message: 'm1', count: 9 },
      { message: 'm3', count: 7 },
      { message: 'm4', count: 5 },
      { message: 'm2', count: 3 },
      { message: 'm5', count: 2 },
    ]);
  });

  it('a rollback still retrying has no toggle-off time yet and counts the failures', () => {
    const rec = recordFor('event-bus-gateway-emails', 'rolling_back', 'canary', 0, 2, 'error_rate breach');
    const history = [
      transition(START, 'running', 'rolling_back', 'canary', 2, 'error_rate breach'),
      ...write(START, 'i1', 0, false),
      ...write(START + M, 'i2', 0, false),
    ];
    expect(buildReportModel(rec, history, rollout, START).rollbacks).toEqual([
      {
        at: '2025-06-17T12:00:00.000Z',
        stage: 'canary',
        percent: 2,
        reason: 'error_rate breach',
        toggleOffAt: null,
        failedAttempts: 2,
        rolledBackAt: null,
      },
    ]);
  });
});
