import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { StagegateError } from '../../src/errors.js';
import { SlackNotifier } from '../../src/notify/slack.js';
import { slackMessage } from '../../src/notify/slack-message.js';
import { rolledBack } from './fixtures.js';
import { failure as failureOf } from '../stagegate-error.js';

const SECRET_PATH = '/services/T0001/B0002/s3cr3tT0k3nXYZ';
const WEBHOOK = `https://hooks.slack.com${SECRET_PATH}`;

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => {
  nock.cleanAll();
});
afterAll(() => {
  nock.enableNetConnect();
});

function slack(url = WEBHOOK, timeoutMs = 2_000): SlackNotifier {
  return new SlackNotifier({ name: 'slack-release', webhookUrl: url, timeoutMs });
}

async function failure(promise: Promise<unknown>): Promise<StagegateError> {
  const err = await failureOf(promise);
  // whatever went wrong, the webhook URL is not in what gets logged
  expect(`${err.message} ${JSON.stringify(err.details)}`).not.toContain('s3cr3t');
  return err;
}

describe('SlackNotifier', () => {
  it('posts the Block Kit message as JSON to the webhook', async () => {
    let body: unknown;
    const scope = nock('https://hooks.slack.com')
      .matchHeader('content-type', 'application/json')
      .post(SECRET_PATH, (b: unknown) => {
        body = b;
        return true;
      })
      .reply(200, 'ok');
    await slack().send(rolledBack());
    expect(scope.isDone()).toBe(true);
    expect(body).toEqual(JSON.parse(JSON.stringify(slackMessage(rolledBack()))));
  });

  it.each([
    [500, 'internal_error', {}, 'E_PROVIDER_RESPONSE', true, 'HTTP 500 internal_error'],
    [404, 'no_service', {}, 'E_PROVIDER_BAD_REQUEST', false, 'HTTP 404 no_service'],
    [410, 'channel_is_archived', {}, 'E_PROVIDER_BAD_REQUEST', false, 'HTTP 410 channel_is_archived'],
    [400, 'invalid_payload', {}, 'E_PROVIDER_BAD_REQUEST', false, 'HTTP 400 invalid_payload'],
    [403, 'invalid_token', {}, 'E_PROVIDER_AUTH', false, 'HTTP 403 invalid_token'],
    [429, 'rate_limited', { 'retry-after': '30' }, 'E_PROVIDER_RATE_LIMITED', true, 'HTTP 429 rate_limited'],
    [302, '', { location: 'https://elsewhere.example/' }, 'E_PROVIDER_BAD_REQUEST', false, 'HTTP 302'],
  ])('maps HTTP %i %s to %s (retryable %s)', async (status, text, headers, code, retryable, what) => {
    nock('https://hooks.slack.com').post(SECRET_PATH).reply(status, text, headers);
    const err = await failure(slack().send(rolledBack()));
    expect(err.code).toBe(code);
    expect(err.message).toBe(`notifier slack-release: ${what}`);
    expect(err.details).toMatchObject({ notifier: 'slack-release', retryable, status });
    if (status === 429) expect(err.details.retryAfterMs).toBe(30_000);
  });

  it('reports a network failure by its code only', async () => {
    nock('https://hooks.slack.com')
      .post(SECRET_PATH)
      .replyWithError(Object.assign(new Error(`reset ${WEBHOOK}`), { code: 'ECONNRESET' }));
    const err = await failure(slack().send(rolledBack()));
    expect(err.code).toBe('E_PROVIDER_UNREACHABLE');
    expect(err.message).toBe('notifier slack-release: request failed (ECONNRESET)');
    expect(err.details.retryable).toBe(true);
  });

  describe('against a local server', () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      // accepts the request and never answers
      server = createServer(() => undefined);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('gives up after its timeout', async () => {
      const started = Date.now();
      const err = await failure(slack(`${base}${SECRET_PATH}`, 100).send(rolledBack()));
      expect(err.message).toBe('notifier slack-release: no answer within 100 ms');
      expect(err.details.retryable).toBe(true);
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it('stops at once, not retryable, when the caller cancels', async () => {
      const cancel = new AbortController();
      const sending = slack(`${base}${SECRET_PATH}`, 5_000).send(rolledBack(), cancel.signal);
      setTimeout(() => cancel.abort(), 20);
      const err = await failure(sending);
      expect(err.message).toBe('notifier slack-release: cancelled');
      expect(err.details.retryable).toBe(false);
    });

    it('reports a refused connection', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const err = await failure(slack(`http://127.0.0.1:${port}${SECRET_PATH}`).send(rolledBack()));
      expect(err.message).toBe('notifier slack-release: request failed (ECONNREFUSED)');
    });
  });

  it('does not show the webhook URL when inspected or serialized', () => {
    const notifier = slack();
    expect(inspect(notifier, { showHidden: true, depth: 5 })).not.toContain('s3cr3t');
    expect(JSON.stringify({ notifier })).toBe('{"notifier":{"type":"slack","name":"slack-release"}}');
  });
});
