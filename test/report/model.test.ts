import { describe, expect, it } from 'vitest';
import { buildReportModel, postLaunchLabel } from '../../src/report/index.js';
import { START, check, recordFor, rollout, transition, write } from './fixtures.js';

const M = 60_000;
const obs = { sent: 100, failed: 1, clicks: 40, delivered: 100, calls: 0 };

describe('postLaunchLabel', () => {
  it.each([
    [7 * 86_400_000, '1-week'],
    [14 * 86_400_000, '2-week'],
    [30 * 86_400_000, '1-month'],
    [60 * 86_400_000, '2-month'],
    [10 * 86_400_000, '10d after launch'],
    [36 * 3_600_000, '1d12h after launch'],
  ])('%d ms → %s', (ms, label) => {
    expect(postLaunchLabel(ms)).toBe(label);
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
