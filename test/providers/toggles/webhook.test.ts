import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import type { RetryPolicy } from '../../../src/http/http-client.js';
import { WebhookToggleProvider, type WebhookToggleOptions } from '../../../src/providers/toggles/webhook.js';
import { toggleProviderContract } from './contract.js';
import { startReceiver, type Receiver, type ReceiverOptions } from './webhook-receiver.js';
import { failure } from '../../stagegate-error.js';

const FAST_RETRY: RetryPolicy = { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 1, factor: 1, randomize: false };
const SECRET = 'whsec-9d1c-never-log-me';
const NOW = Date.UTC(2025, 5, 17, 12, 0, 0);

function makeProvider(
  receiver: Receiver,
  overrides: Partial<WebhookToggleOptions> = {},
): WebhookToggleProvider {
  return new WebhookToggleProvider({
    name: 'kafka-share',
    url: receiver.url,
    stateUrl: receiver.stateUrl,
    timeoutMs: 2_000,
    retry: FAST_RETRY,
    logger: silentLogger(),
    ...overrides,
  });
}

toggleProviderContract('webhook (stateUrl, receiver answers 204)', async () => {
  const receiver = await startReceiver({ echo: 'none' });
  return {
    provider: makeProvider(receiver),
    setManually: async (feature, change) => receiver.setManually(feature, change),
    close: () => receiver.close(),
  };
});

toggleProviderContract('webhook (stateUrl, signed, receiver echoes the state)', async () => {
  const receiver = await startReceiver({ echo: 'full', secret: SECRET });
  return {
    provider: makeProvider(receiver, { secret: SECRET }),
    setManually: async (feature, change) => receiver.setManually(feature, change),
    close: () => receiver.close(),
  };
});

describe('WebhookToggleProvider', () => {
  const receivers: Receiver[] = [];
  async function receiver(opts: ReceiverOptions = {}): Promise<Receiver> {
    const r = await startReceiver(opts);
    receivers.push(r);
    return r;
  }
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });

  it.each([
    [
      'set',
      (p: WebhookToggleProvider) => p.setPercent('ebg', 25, 'percentage_of_actors'),
      { action: 'set', percent: 25, gate: 'percentage_of_actors' },
    ],
    [
      'set time',
      (p: WebhookToggleProvider) => p.setPercent('ebg', 2.5, 'percentage_of_time'),
      { action: 'set', percent: 2.5, gate: 'percentage_of_time' },
    ],
    [
      'zero',
      (p: WebhookToggleProvider) => p.disable('ebg', 'zero'),
      { action: 'disable', percent: 0, mode: 'zero' },
    ],
    [
      'disable',
      (p: WebhookToggleProvider) => p.disable('ebg', 'disable'),
      { action: 'disable', percent: 0, mode: 'disable' },
    ],
    ['enable', (p: WebhookToggleProvider) => p.enable('ebg'), { action: 'enable', percent: 100 }],
  ])('%s: POSTs the absolute change as signed JSON', async (_label, call, change) => {
    const r = await receiver({ secret: SECRET, echo: 'full' });
    // The receiver refuses stale timestamps, so the injected clock is "now", on a whole second.
    const now = Math.floor(Date.now() / 1000) * 1000;
    await call(makeProvider(r, { secret: SECRET, now: () => now }));
    expect(r.requests).toHaveLength(1);
    const [request] = r.requests;
    const body = JSON.parse(request?.body ?? '') as Record<string, unknown>;
    expect(body).toEqual({
      feature: 'ebg',
      ...change,
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      timestamp: now / 1000,
    });
    // Key order is part of the raw body the signature covers; the receiver must verify the bytes as received.
    expect(Object.keys(body)).toEqual(['feature', ...Object.keys(change), 'id', 'timestamp']);
    const expected = `sha256=${createHmac('sha256', SECRET)
      .update(request?.body ?? '')
      .digest('hex')}`;
    expect(request).toMatchObject({
      method: 'POST',
      path: '/toggle',
      headers: {
        'content-type': 'application/json',
        'x-stagegate-signature': expected,
        'x-stagegate-timestamp': String(now / 1000),
      },
    });
  });

  it('sends no signature without a secret, and the receiver sees the same body on a retry', async () => {
    const r = await receiver({ echo: 'full' });
    r.failNext(503);
    await makeProvider(r).setPercent('ebg', 10, 'percentage_of_actors');
    expect(r.requests).toHaveLength(2);
    expect(r.requests[0]?.headers['x-stagegate-signature']).toBeUndefined();
    expect(r.requests[1]?.body).toBe(r.requests[0]?.body);
  });

  it('is refused by a receiver that checks timestamps when the request is stale (replay)', async () => {
    const r = await receiver({ secret: SECRET });
    const err = await failure(makeProvider(r, { secret: SECRET, now: () => NOW }).enable('ebg'));
    expect(err.code).toBe('E_PROVIDER_AUTH');
    expect(err.details['message']).toBe('stale request');
  });

  it('is refused with E_PROVIDER_AUTH when the receiver rejects the signature', async () => {
    const r = await receiver({ secret: SECRET });
    const err = await failure(
      makeProvider(r, { secret: 'wrong' }).setPercent('ebg', 10, 'percentage_of_actors'),
    );
    expect(err.code).toBe('E_PROVIDER_AUTH');
    expect(r.requests).toHaveLength(1);
  });

  it("turns a 4xx into E_TOGGLE_REJECTED with the receiver's message, without a retry", async () => {
    const r = await receiver();
    r.failNext(422, 3);
    const err = await failure(makeProvider(r).enable('ebg'));
    expect(err.code).toBe('E_TOGGLE_REJECTED');
    expect(err.details).toMatchObject({ status: 422, message: 'receiver: injected failure' });
    expect(r.requests).toHaveLength(1);
  });

  it('gives up on 5xx after its retries with E_PROVIDER_UNREACHABLE', async () => {
    const r = await receiver();
    r.failNext(500, 3);
    const err = await failure(makeProvider(r).enable('ebg'));
    expect(err.code).toBe('E_PROVIDER_UNREACHABLE');
    expect(err.details).toMatchObject({ status: 500, attempts: 3 });
  });

  it('takes a minimal {percent, enabled} echo as the share of the gate it wrote', async () => {
    const r = await receiver({ echo: 'minimal' });
    const p = makeProvider(r, { stateUrl: undefined });
    const expected = {
      feature: 'ebg',
      exists: true,
      enabled: false,
      percentageOfActors: 25,
      // one share, not a second gate: the exposure check must not see a percentage_of_time
      percentageOfTime: 0,
      expression: null,
      actors: [],
      groups: [],
      exposure: { gates: ['percentage_of_actors'], actorPercent: 25, anonymousPercent: 0 },
    };
    expect(await p.setPercent('ebg', 25, 'percentage_of_actors')).toEqual(expected);
    // Without a stateUrl, read answers the last echo: no GET is made.
    expect(await p.read('ebg')).toEqual(expected);
    expect(r.requests.map((q) => q.method)).toEqual(['POST']);
  });

  it('without stateUrl or echo, assumes the accepted write and cannot see drift', async () => {
    const r = await receiver({ echo: 'none' });
    const p = makeProvider(r, { stateUrl: undefined });
    await p.setPercent('ebg', 25, 'percentage_of_actors');
    r.setManually('ebg', { percentageOfActors: 60 });
    expect((await p.read('ebg')).percentageOfActors).toBe(25);
  });

  it('without stateUrl, a read before any write fails with reason state-unknown', async () => {
    const r = await receiver();
    const err = await failure(makeProvider(r, { stateUrl: undefined }).read('ebg'));
    expect(err.code).toBe('E_PROVIDER_RESPONSE');
    expect(err.details['reason']).toBe('state-unknown');
    expect(r.requests).toEqual([]);
  });

  it('keeps the stateUrl query and adds feature=', async () => {
    const r = await receiver();
    r.setManually('ebg', { percentageOfActors: 5 });
    await makeProvider(r, { stateUrl: `${r.stateUrl}?env=prod` }).read('ebg');
    expect(r.requests[0]?.path).toBe('/state?env=prod&feature=ebg');
  });

  it('reports a stateUrl that does not answer a state as E_PROVIDER_RESPONSE', async () => {
    const r = await receiver();
    const err = await failure(makeProvider(r, { stateUrl: r.url.replace('/toggle', '/health') }).read('ebg'));
    expect(err.code).toBe('E_PROVIDER_RESPONSE');
    expect(err.details).toEqual({ feature: 'ebg', url: r.url.replace('/toggle', '/health'), status: 200 });
  });

  it('never puts the secret in a log line or an error', async () => {
    const chunks: string[] = [];
    const logger = pino(
      { level: 'debug' },
      new Writable({
        write(chunk: Buffer, _e, done) {
          chunks.push(chunk.toString());
          done();
        },
      }),
    );
    const r = await receiver({ secret: SECRET });
    r.failNext(503, 3);
    const p = makeProvider(r, { secret: SECRET, logger });
    const errors = [
      await failure(p.enable('ebg')),
      await failure(makeProvider(r, { secret: SECRET, logger, url: `${r.url}x` }).enable('ebg')),
    ];
    await p.setPercent('ebg', 5, 'percentage_of_actors');
    expect(chunks.join('')).toContain('toggle call');
    expect(chunks.join('')).not.toContain(SECRET);
    for (const err of errors)
      expect(JSON.stringify(err, Object.getOwnPropertyNames(err))).not.toContain(SECRET);
  });
});
