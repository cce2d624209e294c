import { parseCheckDetail } from '../../src/ports/history.js';
import type { HistoryEntry, RolloutRecord, RolloutState } from '../../src/ports/state-store.js';
import type { Criterion, Rollout } from '../../src/rollout/types.js';

/*
 * The release of event-bus-gateway-emails from the seed release plan, as the
 * controller would record it: times in ms from 2025-06-17 08:00 New York.
 */

export const START = Date.parse('2025-06-17T12:00:00Z');
const H = 3_600_000;
const D = 24 * H;

const crit = (
  text: string,
  metric: string,
  op: Criterion['op'],
  threshold: number,
  percent: boolean,
  forChecks = 1,
): Criterion => ({
  text,
  metric,
  op,
  threshold,
  percent,
  forChecks,
});

export const ERROR_RATE = crit('error_rate < 5%', 'error_rate', '<', 0.05, true);
export const CLICK = crit('click_through > 30%', 'click_through', '>', 0.3, true);
export const CALLS = crit('contact_center_calls < 2', 'contact_center_calls', '<', 2, false);
export const ERROR_BREACH = crit('error_rate > 5% for 2 checks', 'error_rate', '>', 0.05, true, 2);

export const rollout: Rollout = {
  name: 'event-bus-gateway-emails',
  description: 'Notification emails through Event Bus Gateway',
  source: 'rollouts/event-bus-gateway-emails.yaml',
  specHash: 'h1',
  toggle: {
    provider: 'flipper',
    feature: 'event_bus_gateway_emails_enabled',
    gate: 'percentage_of_actors',
    onRollback: 'zero',
    onComplete: 'keep',
  },
  start: { kind: 'immediately' },
  check: {
    schedule: { kind: 'every', everyMs: 5 * 60_000 },
    timezone: 'America/New_York',
    advanceDuring: undefined,
  },
  stages: [
    { name: 'canary', percent: 2, minDurationMs: 4 * H, minSamples: 150, approval: false },
    { name: 'stage-b', percent: 25, minDurationMs: 8 * H, minSamples: undefined, approval: false },
    { name: 'stage-c', percent: 50, minDurationMs: 8 * H, minSamples: undefined, approval: false },
    { name: 'stage-d', percent: 75, minDurationMs: 8 * H, minSamples: undefined, approval: false },
    { name: 'stage-e', percent: 100, minDurationMs: 8 * H, minSamples: undefined, approval: true },
  ],
  samples: 'sent',
  metrics: {},
  criteria: { advance: [ERROR_RATE, CLICK, CALLS], rollback: [ERROR_BREACH] },
  policy: { noData: 'hold', maxConsecutiveErrors: 4, confidence: 0.95, maxStageDurationMs: undefined },
  postLaunchMs: [7 * D, 30 * D],
  notify: [],
};

interface Obs {
  sent: number;
  failed: number;
  clicks: number;
  delivered: number;
  calls: number;
}

function result(
  c: Criterion,
  kind: 'advance' | 'rollback',
  value: number,
  verdict: string,
  interval: [number, number] | null,
) {
  return { criterion: c, kind, verdict, value, interval, reason: `${c.metric} ${value}` };
}

/** A check entry in the shape the controller writes (see src/report/check-detail.ts). */
export function check(
  at: number,
  stage: string,
  percent: number,
  o: Obs,
  action: string,
  opts: {
    advance?: Record<string, string>;
    breach?: boolean;
    errors?: { message: string; count: number }[];
    postLaunchMs?: number;
    reasons?: string[];
  } = {},
): HistoryEntry {
  const er = o.failed / o.sent;
  const ct = o.clicks / o.delivered;
  const v = opts.advance ?? {};
  const detail: Record<string, unknown> = {
    measurements: {
      sent: { kind: 'value', value: o.sent },
      error_rate: { kind: 'ratio', value: er, numerator: o.failed, denominator: o.sent },
      click_through: { kind: 'ratio', value: ct, numerator: o.clicks, denominator: o.delivered },
      contact_center_calls: { kind: 'value', value: o.calls },
    },
    results: [
      result(ERROR_RATE, 'advance', er, v.error_rate ?? 'pass', [er * 0.8, er * 1.25]),
      result(CLICK, 'advance', ct, v.click_through ?? 'pass', [ct * 0.9, ct * 1.1]),
      result(CALLS, 'advance', o.calls, v.contact_center_calls ?? 'pass', null),
      result(ERROR_BREACH, 'rollback', er, opts.breach ? 'breach' : 'ok', [er * 0.8, er * 1.25]),
    ],
    decision: {
      action,
      reasons: opts.reasons ?? (action === 'hold' ? ['minDuration not reached'] : ['all criteria passed']),
    },
  };
  if (opts.errors) detail.errors = opts.errors;
  if (opts.postLaunchMs !== undefined) detail.postLaunch = { offsetMs: opts.postLaunchMs };
  return { type: 'check', at, stage, percent, detail: parseCheckDetail(detail) };
}

export function write(at: number, id: string, percent: number, ok = true): HistoryEntry[] {
  return [
    {
      type: 'toggle-intent',
      at,
      intent: {
        id,
        action: percent === 0 ? 'disable' : 'set',
        percent,
        gate: 'percentage_of_actors',
        mode: percent === 0 ? 'zero' : undefined,
        at,
      },
    },
    {
      type: 'toggle-result',
      at: at + 200,
      intentId: id,
      ok,
      percent: ok ? percent : null,
      error: ok ? null : 'flipper answered 503',
    },
  ];
}

export function transition(
  at: number,
  from: RolloutState,
  to: RolloutState,
  stage: string | null,
  percent: number,
  reason: string | null = null,
): HistoryEntry {
  return { type: 'transition', at, from, to, stage, percent, reason };
}

const notifyErrors = [
  { message: 'VA Notify delivery failed: recipient mailbox full', count: 3 },
  { message: 'VA Notify 429 Too Many Requests', count: 7 },
];

export function completedHistory(): HistoryEntry[] {
  const t = START;
  return [
    { type: 'spec', at: t - 60_000, specHash: 'h1', source: 'rollouts/event-bus-gateway-emails.yaml' },
    transition(t, 'pending', 'running', 'canary', 0, 'start: immediately'),
    ...write(t, 'i1', 2),
    check(t + 2 * H, 'canary', 2, { sent: 90, failed: 1, clicks: 25, delivered: 88, calls: 0 }, 'hold'),
    check(
      t + 4 * H + 5 * 60_000,
      'canary',
      2,
      { sent: 200, failed: 2, clicks: 62, delivered: 198, calls: 0 },
      'advance',
      { errors: notifyErrors },
    ),
    ...write(t + 4 * H + 5 * 60_000, 'i2', 25),
    // Stage B ran, was paused overnight by an operator, and resumed
    check(
      t + 8 * H,
      'stage-b',
      25,
      { sent: 2100, failed: 30, clicks: 1000, delivered: 2000, calls: 0 },
      'hold',
      { errors: [] },
    ),
    {
      type: 'command',
      at: t + 8 * H + 60_000,
      command: 'pause',
      by: 'ian.donovan',
      reason: 'VA Notify maintenance tonight',
      accepted: true,
      message: null,
    },
    transition(
      t + 8 * H + 60_000,
      'running',
      'paused',
      'stage-b',
      25,
      'paused by ian.donovan: VA Notify maintenance tonight',
    ),
    {
      type: 'command',
      at: t + 1 * D + 60_000,
      command: 'resume',
      by: 'ian.donovan',
      reason: null,
      accepted: true,
      message: null,
    },
    transition(t + 1 * D + 60_000, 'paused', 'running', 'stage-b', 25),
    check(
      t + 1 * D + 4 * H,
      'stage-b',
      25,
      { sent: 3702, failed: 40, clicks: 1900, delivered: 3650, calls: 1 },
      'advance',
      { errors: [] },
    ),
    ...write(t + 1 * D + 4 * H, 'i3', 50),
    check(
      t + 1 * D + 12 * H,
      'stage-c',
      50,
      { sent: 4994, failed: 60, clicks: 2000, delivered: 4900, calls: 0 },
      'advance',
    ),
    ...write(t + 1 * D + 12 * H, 'i4', 75),
    check(
      t + 2 * D + 4 * H,
      'stage-d',
      75,
      { sent: 8123, failed: 90, clicks: 3100, delivered: 8100, calls: 1 },
      'advance',
    ),
    ...write(t + 2 * D + 4 * H, 'i5', 100),
    check(
      t + 2 * D + 12 * H,
      'stage-e',
      100,
      { sent: 11000, failed: 120, clicks: 4000, delivered: 10900, calls: 1 },
      'hold',
      {
        advance: { click_through: 'inconclusive' },
      },
    ),
    transition(t + 2 * D + 12 * H, 'running', 'awaiting_approval', 'stage-e', 100, 'approval required'),
    {
      type: 'command',
      at: t + 3 * D,
      command: 'promote',
      by: 'someone',
      reason: null,
      accepted: false,
      message: 'cannot promote: awaiting approval, use approve',
    },
    {
      type: 'command',
      at: t + 3 * D + 60_000,
      command: 'approve',
      by: 'robin.garrison',
      reason: 'KPIs look good',
      accepted: true,
      message: null,
    },
    transition(
      t + 3 * D + 60_000,
      'awaiting_approval',
      'completed',
      'stage-e',
      100,
      'approved by robin.garrison',
    ),
    check(
      t + 10 * D + 60_000,
      'stage-e',
      100,
      { sent: 52000, failed: 500, clicks: 20000, delivered: 51000, calls: 1 },
      'hold',
      {
        postLaunchMs: 7 * D,
        errors: [{ message: 'VA Notify 429 Too Many Requests', count: 41 }],
      },
    ),
  ];
}

export function rolledBackHistory(): HistoryEntry[] {
  const t = START;
  return [
    transition(t, 'pending', 'running', 'canary', 0, 'start: immediately'),
    ...write(t, 'i1', 2),
    check(t + 4 * H, 'canary', 2, { sent: 210, failed: 2, clicks: 70, delivered: 205, calls: 0 }, 'advance'),
    ...write(t + 4 * H, 'i2', 25),
    check(
      t + 12 * H,
      'stage-b',
      25,
      { sent: 3000, failed: 40, clicks: 1200, delivered: 2950, calls: 0 },
      'advance',
    ),
    ...write(t + 12 * H, 'i3', 50),
    check(
      t + 12 * H + 5 * 60_000,
      'stage-c',
      50,
      { sent: 400, failed: 31, clicks: 150, delivered: 380, calls: 0 },
      'hold',
      {
        advance: { error_rate: 'fail' },
      },
    ),
    check(
      t + 12 * H + 10 * 60_000,
      'stage-c',
      50,
      { sent: 800, failed: 72, clicks: 300, delivered: 760, calls: 0 },
      'rollback',
      {
        advance: { error_rate: 'fail' },
        breach: true,
        reasons: ['error_rate > 5% for 2 checks: 9% (7.2%–11.2%) breached twice in a row'],
        errors: [{ message: 'Event Bus Gateway: Kafka consumer lag', count: 55 }],
      },
    ),
    transition(
      t + 12 * H + 10 * 60_000,
      'running',
      'rolling_back',
      'stage-c',
      50,
      'error_rate > 5% for 2 checks: 9% (7.2%–11.2%)',
    ),
    ...write(t + 12 * H + 10 * 60_000, 'i4', 0, false),
    ...write(t + 12 * H + 10 * 60_000 + 2000, 'i5', 0),
    transition(
      t + 12 * H + 10 * 60_000 + 2500,
      'rolling_back',
      'rolled_back',
      'stage-c',
      0,
      'error_rate > 5% for 2 checks: 9% (7.2%–11.2%)',
    ),
  ];
}

export function recordFor(
  name: string,
  state: RolloutState,
  stage: string,
  stageIndex: number,
  percent: number,
  reason: string | null,
): RolloutRecord {
  return {
    name,
    version: 12,
    specHash: 'h1',
    snapshot: {},
    intent: null,
    summary: { state, stage, stageIndex, percent, reason, lastCheck: START },
    updatedAt: START,
  };
}
