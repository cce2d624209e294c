import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signBody, verifySignature } from '../../src/notify/signature.js';
import { WebhookNotifier } from '../../src/notify/webhook.js';
import { rolledBack } from './fixtures.js';

/* A real receiver on loopback: the signature must verify over the raw bytes it got. */

interface Received {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly raw: Buffer;
}

let server: Server;
let url: string;
let received: Received[];
let status = 204;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, raw: Buffer.concat(chunks) });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/stagegate`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  received = [];
  status = 204;
});

const NOW = Date.UTC(2025, 5, 17, 14, 31, 5, 900);

describe('WebhookNotifier', () => {
  it('POSTs the event with a payload version, signed with HMAC-SHA256 over the raw body', async () => {
    const notifier = new WebhookNotifier({
      name: 'release-hook',
      url,
      secret: 'hunter2',
      timeoutMs: 2_000,
      now: () => NOW,
    });
    await notifier.send(rolledBack());
    expect(received).toHaveLength(1);
    const [req] = received;
    if (req === undefined) throw new Error('nothing received');
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/hooks/stagegate');
    expect(JSON.parse(req.raw.toString('utf8'))).toEqual({ version: 1, ...rolledBack() });
    expect(req.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'stagegate',
      'x-stagegate-event': 'rolled_back',
      'x-stagegate-timestamp': String(Math.floor(NOW / 1000)),
    });
    // verifiable with nothing but the secret and the standard library
    const expected = `sha256=${createHmac('sha256', 'hunter2').update(req.raw).digest('hex')}`;
    expect(req.headers['x-stagegate-signature']).toBe(expected);
    expect(verifySignature('hunter2', req.raw, req.headers['x-stagegate-signature'] as string)).toBe(true);
  });

  it('sends the same delivery id for every attempt of one event, a different one for another event', async () => {
    const notifier = new WebhookNotifier({ name: 'release-hook', url, timeoutMs: 2_000 });
    await notifier.send(rolledBack());
    await notifier.send(rolledBack());
    await notifier.send(rolledBack({ type: 'completed' }));
    const ids = received.map((r) => r.headers['x-stagegate-delivery']);
    expect(ids[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('sends no signature or timestamp without a secret', async () => {
    await new WebhookNotifier({ name: 'release-hook', url, timeoutMs: 2_000 }).send(rolledBack());
    expect(received[0]?.headers['x-stagegate-signature']).toBeUndefined();
    expect(received[0]?.headers['x-stagegate-timestamp']).toBeUndefined();
  });

  it('turns a 5xx into a retryable error naming the notifier', async () => {
    status = 503;
    const err = await new WebhookNotifier({ name: 'release-hook', url, timeoutMs: 2_000 })
      .send(rolledBack())
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'E_PROVIDER_RESPONSE',
      message: 'notifier release-hook: HTTP 503',
      details: { notifier: 'release-hook', retryable: true, status: 503 },
    });
  });

  it('never shows the secret when serialized', () => {
    const notifier = new WebhookNotifier({ name: 'release-hook', url, secret: 'hunter2', timeoutMs: 1 });
    expect(JSON.stringify(notifier)).toBe('{"type":"webhook","name":"release-hook","signed":true}');
  });
});

describe('verifySignature', () => {
  const body = '{"version":1,"type":"completed"}';
  const good = signBody('hunter2', body);

  it.each([
    ['the right secret and body', 'hunter2', body, good, true],
    ['another secret', 'hunter3', body, good, false],
    ['a changed body', 'hunter2', body.replace('completed', 'advanced'), good, false],
    ['no header', 'hunter2', body, undefined, false],
    ['a header without the sha256= prefix', 'hunter2', body, good.slice('sha256='.length), false],
    ['a truncated header', 'hunter2', body, good.slice(0, -2), false],
  ])('with %s: %s', (_label, secret, payload, header, ok) => {
    expect(verifySignature(secret, payload, header)).toBe(ok);
  });
});
