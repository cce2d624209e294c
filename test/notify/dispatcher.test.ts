import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StagegateError } from '../../src/errors.js';
import { createNotificationDispatcher } from '../../src/notify/dispatcher.js';
import { createNotifier } from '../../src/notify/factory.js';
import { MemoryNotifier } from '../../src/notify/memory.js';
import type { Notifier, RolloutEvent } from '../../src/ports/notifier.js';
import { captureLogger } from '../store/helpers.js';
import { rolledBack } from './fixtures.js';

const FAST = { minTimeoutMs: 1, maxTimeoutMs: 5, randomize: false };

function dispatcher(
  notifiers: Notifier[],
  retry: Parameters<typeof createNotificationDispatcher>[0]['retry'] = FAST,
) {
  const capture = captureLogger();
  const d = createNotificationDispatcher({
    notifiers: new Map(notifiers.map((n) => [n.name, n])),
    logger: capture.logger,
    retry,
  });
  return { d, capture };
}

/** a notifier whose sends never finish until cancelled */
function hanging(name = 'hanging'): Notifier & { calls: number; cancelled: number } {
  const n = {
    name,
    calls: 0,
    cancelled: 0,
    send(_event: RolloutEvent, signal?: AbortSignal): Promise<void> {
      n.calls += 1;
      return new Promise((_resolve, reject) => {
        signal?.addEventListener('abort', () => {
          n.cancelled += 1;
          reject(new StagegateError('E_PROVIDER_UNREACHABLE', 'cancelled', { retryable: false }));
        });
      });
    },
  };
  return n;
}

describe('notification dispatcher', () => {
  it('returns before any notifier runs, and a notifier that hangs delays nothing', async () => {
    const slow = hanging();
    const { d } = dispatcher([slow]);
    expect(d.notify(['hanging'], rolledBack())).toBeUndefined();
    // nothing of the notifier ran inside notify()
    expect(slow.calls).toBe(0);
    expect(d.inFlight).toBe(1);
    await Promise.resolve();
    await Promise.resolve();
    expect(slow.calls).toBe(1);
    expect(await d.drain(10)).toBe(false);
  });

  it('retries a failing notifier with backoff and logs each failed attempt', async () => {
    const flaky = new MemoryNotifier('flaky', { failFirst: 2 });
    const { d, capture } = dispatcher([flaky]);
    d.notify(['flaky'], rolledBack());
    expect(await d.drain(1_000)).toBe(true);
    expect(flaky.attempts).toBe(3);
    expect(flaky.events).toEqual([rolledBack()]);
    const fields = { notifier: 'flaky', eventType: 'rolled_back', rollout: 'event-bus-gateway-emails' };
    const error = { code: 'E_PROVIDER_UNREACHABLE', message: 'notifier flaky: failing as told' };
    expect(capture.lines.map(({ level, msg, ...rest }) => ({ level, msg, ...pick(rest) }))).toEqual([
      { level: 40, msg: 'notification attempt failed', ...fields, attempt: 1, retriesLeft: 5, error },
      { level: 40, msg: 'notification attempt failed', ...fields, attempt: 2, retriesLeft: 4, error },
      { level: 30, msg: 'notification sent', ...fields, attempt: 3 },
    ]);
  });

  it('waits longer before each retry (exponential backoff)', async () => {
    const times: number[] = [];
    const failing: Notifier = {
      name: 'failing',
      async send() {
        times.push(performance.now());
        throw new StagegateError('E_PROVIDER_RESPONSE', 'down', { retryable: true });
      },
    };
    const { d } = dispatcher([failing], {
      retries: 3,
      minTimeoutMs: 20,
      factor: 2,
      maxTimeoutMs: 1_000,
      randomize: false,
    });
    d.notify(['failing'], rolledBack());
    expect(await d.drain(2_000)).toBe(true);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    expect(gaps).toHaveLength(3);
    // 20, 40, 80 ms: timers may fire late, never early
    expect(gaps[0]).toBeGreaterThanOrEqual(19);
    expect(gaps[1]).toBeGreaterThanOrEqual(39);
    expect(gaps[2]).toBeGreaterThanOrEqual(79);
  });

  it('gives up after the configured retries and logs an error', async () => {
    const down = new MemoryNotifier('down', { failFirst: 100 });
    const { d, capture } = dispatcher([down], { ...FAST, retries: 2 });
    d.notify(['down'], rolledBack());
    expect(await d.drain(1_000)).toBe(true);
    expect(down.attempts).toBe(3);
    expect(capture.lines.at(-1)).toMatchObject({
      level: 50,
      msg: 'notification failed',
      notifier: 'down',
      eventType: 'rolled_back',
      attempt: 3,
      error: { code: 'E_PROVIDER_UNREACHABLE' },
    });
  });

  it('does not retry a permanent failure', async () => {
    let calls = 0;
    const revoked: Notifier = {
      name: 'revoked',
      async send() {
        calls += 1;
        throw new StagegateError('E_PROVIDER_BAD_REQUEST', 'notifier revoked: HTTP 404 no_service', {
          retryable: false,
        });
      },
    };
    const { d, capture } = dispatcher([revoked]);
    d.notify(['revoked'], rolledBack());
    await d.drain(1_000);
    expect(calls).toBe(1);
    expect(capture.lines.map((l) => l.msg)).toEqual(['notification attempt failed', 'notification failed']);
  });

  it('delivers to each named notifier once, independently, and reports names not configured', async () => {
    const a = new MemoryNotifier('a', { failFirst: 1 });
    const b = new MemoryNotifier('b');
    const { d, capture } = dispatcher([a, b]);
    d.notify(['a', 'b', 'a', 'missing'], rolledBack());
    expect(await d.drain(1_000)).toBe(true);
    expect([a.events.length, b.events.length, a.attempts, b.attempts]).toEqual([1, 1, 2, 1]);
    expect(capture.lines.filter((l) => l.level === 50)).toEqual([
      expect.objectContaining({
        msg: 'notifier not configured',
        notifier: 'missing',
        eventType: 'rolled_back',
      }),
    ]);
  });

  it('drain waits for deliveries in flight', async () => {
    let finish: () => void = () => undefined;
    const gated: Notifier = { name: 'gated', send: () => new Promise<void>((resolve) => (finish = resolve)) };
    const { d } = dispatcher([gated]);
    d.notify(['gated'], rolledBack());
    const drained = d.drain(1_000);
    setTimeout(() => finish(), 20);
    expect(await drained).toBe(true);
    expect(d.inFlight).toBe(0);
    expect(await d.drain(1)).toBe(true);
  });

  it('drain cancels what is still in flight at its timeout, and the dispatcher keeps working', async () => {
    const slow = hanging();
    const ok = new MemoryNotifier('ok');
    const { d, capture } = dispatcher([slow, ok]);
    d.notify(['hanging'], rolledBack());
    expect(await d.drain(30)).toBe(false);
    await new Promise((resolve) => setImmediate(resolve));
    expect(slow.cancelled).toBe(1);
    expect(d.inFlight).toBe(0);
    expect(capture.lines.find((l) => l.msg === 'notifications cancelled at shutdown')).toMatchObject({
      level: 40,
      pending: 1,
      timeoutMs: 30,
    });
    d.notify(['ok'], rolledBack());
    expect(await d.drain(1_000)).toBe(true);
    expect(ok.events).toHaveLength(1);
  });
});

describe('secrets in logs', () => {
  const SECRET = 'xoxb-s3cr3t-T0k3n';
  beforeAll(() => {
    nock.disableNetConnect();
  });
  afterEach(() => {
    nock.cleanAll();
  });
  afterAll(() => {
    nock.enableNetConnect();
  });

  it('never logs the Slack webhook URL, whatever fails', async () => {
    const path = `/services/T0/B0/${SECRET}`;
    nock('https://hooks.slack.com')
      .post(path)
      .reply(500, 'internal_error')
      .post(path)
      .replyWithError(
        Object.assign(new Error(`socket hang up https://hooks.slack.com${path}`), { code: 'ECONNRESET' }),
      )
      .post(path)
      .reply(404, 'no_service');
    const slack = createNotifier(
      'slack-release',
      { type: 'slack', webhookEnv: 'SLACK_URL' },
      { SLACK_URL: `https://hooks.slack.com${path}` },
    );
    const { d, capture } = dispatcher([slack]);
    capture.logger.info({ notifier: slack }, 'configured');
    d.notify(['slack-release'], rolledBack());
    expect(await d.drain(2_000)).toBe(true);
    expect(capture.lines.map((l) => [l.msg, (l.error as { message?: string } | undefined)?.message])).toEqual(
      [
        ['configured', undefined],
        ['notification attempt failed', 'notifier slack-release: HTTP 500 internal_error'],
        ['notification attempt failed', 'notifier slack-release: request failed (ECONNRESET)'],
        ['notification attempt failed', 'notifier slack-release: HTTP 404 no_service'],
        ['notification failed', 'notifier slack-release: HTTP 404 no_service'],
      ],
    );
    expect(capture.text()).not.toContain(SECRET);
    expect(capture.text()).not.toContain('hooks.slack.com');
  });
});

/** the fields a test compares: everything but pino's time, pid and hostname */
function pick(rest: Record<string, unknown>): Record<string, unknown> {
  const { time: _time, pid: _pid, hostname: _hostname, ...fields } = rest;
  return fields;
}
