import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postJson, type PostJsonRequest } from '../../src/notify/http-post.js';
import { failure } from '../stagegate-error.js';

/*
 * One notifier POST against nock: what is sent, and every failure typed with
 * `details.retryable` for the dispatcher. Messages name the notifier, never
 * the URL (a Slack webhook URL is a credential).
 */

const HOST = 'https://hooks.slack.test';
const PATH = '/services/T000/B000/secret-path-xyz';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

function req(over: Partial<PostJsonRequest> = {}): PostJsonRequest {
  return {
    notifier: 'team',
    url: `${HOST}${PATH}`,
    body: '{"text":"rolled back"}',
    timeoutMs: 2_000,
    ...over,
  };
}

describe('postJson', () => {
  it('POSTs the body as JSON with its headers, and resolves on 2xx', async () => {
    const scope = nock(HOST, {
      reqheaders: {
        'content-type': 'application/json',
        'user-agent': 'stagegate',
        'x-stagegate-signature': 'sha256=ab',
      },
    })
      .post(PATH, '{"text":"rolled back"}')
      .reply(200, 'ok');
    await postJson(req({ headers: { 'x-stagegate-signature': 'sha256=ab' } }));
    expect(scope.isDone()).toBe(true);
  });

  it.each([
    [400, 'invalid_payload', 'E_PROVIDER_BAD_REQUEST', false],
    [404, 'no_service', 'E_PROVIDER_BAD_REQUEST', false],
    [410, 'channel_is_archived', 'E_PROVIDER_BAD_REQUEST', false],
    [401, 'invalid_token', 'E_PROVIDER_AUTH', false],
    [403, 'action_prohibited', 'E_PROVIDER_AUTH', false],
    [408, 'timeout', 'E_PROVIDER_RESPONSE', true],
    [500, 'rollup_error', 'E_PROVIDER_RESPONSE', true],
    [503, '', 'E_PROVIDER_RESPONSE', true],
    [302, '', 'E_PROVIDER_BAD_REQUEST', false],
  ])('HTTP %i %j → %s, retryable %s', async (status, body, code, retryable) => {
    nock(HOST).post(PATH).reply(status, body);
    const err = await failure(postJson(req()));
    expect(err.code).toBe(code);
    expect(err.message).toBe(`notifier team: HTTP ${status}${body === '' ? '' : ` ${body}`}`);
    expect(err.details).toEqual({ notifier: 'team', retryable, status });
    expect(err.message).not.toContain('secret-path-xyz');
  });

  it('quotes at most 200 characters of the answer, whitespace collapsed', async () => {
    nock(HOST)
      .post(PATH)
      .reply(400, `bad\n\n  payload ${'x'.repeat(300)}`);
    const err = await failure(postJson(req()));
    expect(err.message).toBe(`notifier team: HTTP 400 ${`bad payload ${'x'.repeat(300)}`.slice(0, 200)}`);
  });

  it.each([
    ['seconds', '5', 5_000],
    ['an epoch far ahead, capped at 30 s', String(1_750_000_000 + 86_400), 30_000],
  ])('429 with Retry-After in %s → retryAfterMs %i', async (_what, header, ms) => {
    nock(HOST).post(PATH).reply(429, 'rate_limited', { 'retry-after': header });
    const err = await failure(postJson(req({ now: () => 1_750_000_000_000 })));
    expect(err.code).toBe('E_PROVIDER_RATE_LIMITED');
    expect(err.details).toEqual({ notifier: 'team', retryable: true, status: 429, retryAfterMs: ms });
  });

  it('429 without a usable Retry-After carries no wait', async () => {
    nock(HOST).post(PATH).reply(429, 'rate_limited');
    const err = await failure(postJson(req()));
    expect(err.details).toEqual({ notifier: 'team', retryable: true, status: 429 });
  });

  it('a network failure names only its code, never the URL', async () => {
    nock(HOST)
      .post(PATH)
      .replyWithError(
        Object.assign(new Error(`connect ECONNREFUSED ${HOST}${PATH}`), { code: 'ECONNREFUSED' }),
      );
    const err = await failure(postJson(req()));
    expect(err.code).toBe('E_PROVIDER_UNREACHABLE');
    expect(err.message).toBe('notifier team: request failed (ECONNREFUSED)');
    expect(err.details).toEqual({ notifier: 'team', retryable: true });
  });

  it('a slow receiver times out, retryable', async () => {
    nock(HOST).post(PATH).delay(500).reply(200, 'ok');
    const err = await failure(postJson(req({ timeoutMs: 50 })));
    expect(err.message).toBe('notifier team: no answer within 50 ms');
    expect(err.details).toEqual({ notifier: 'team', retryable: true });
  });

  it("the caller's cancellation is not retryable", async () => {
    nock(HOST).post(PATH).delay(500).reply(200, 'ok');
    const controller = new AbortController();
    const pending = postJson(req({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 20);
    const err = await failure(pending);
    expect(err.message).toBe('notifier team: cancelled');
    expect(err.details).toEqual({ notifier: 'team', retryable: false });
  });

  it('an answer over 64 KiB is refused, not retried', async () => {
    nock(HOST)
      .post(PATH)
      .reply(200, 'x'.repeat(64 * 1024 + 1));
    const err = await failure(postJson(req()));
    expect(err.code).toBe('E_PROVIDER_TOO_LARGE');
    expect(err.message).toBe('notifier team: answer larger than 65536 bytes');
    expect(err.details).toEqual({ notifier: 'team', retryable: false });
  });

  it('sends through an injected fetch when given one', async () => {
    const seen: string[] = [];
    const fetchFn: typeof fetch = (input, init) => {
      seen.push(`${init?.method ?? ''} ${String(input)} ${String(init?.body)}`);
      return Promise.resolve(new Response('ok', { status: 200 }));
    };
    await postJson(req({ fetch: fetchFn }));
    expect(seen).toEqual([`POST ${HOST}${PATH} {"text":"rolled back"}`]);
  });
});
