import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MetricRequest } from '../../../../src/ports/metrics-provider.js';
import { registerSecret, resetSecretsForTests } from '../../../../src/secrets/scrubber.js';
import { API_KEY, APP_KEY, WINDOW, makeProvider, scalarAnswer } from './test-kit.js';

/*
 * Datadog through the one outbound client, against local servers: a redirect
 * is refused (today's fetch followed it, keys included), an oversized answer
 * is an error while reading, and every text Datadog sends back (a partial
 * answer's `errors`, a 400's text) is scrubbed of every secret the program
 * knows, the Flipper and API tokens too.
 */

const FLIPPER_TOKEN = 'flipper-token-5b2e8d7c1a';
const API_TOKEN = 'stagegate-api-token-91f0e3';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let datadog: Server;
let elsewhere: Server;
let ddBase: string;
let elsewhereBase: string;
let handler: Handler = (_req, res) => res.writeHead(500).end();
const elsewhereHeaders: IncomingMessage['headers'][] = [];

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  datadog = createServer((req, res) => handler(req, res));
  elsewhere = createServer((req, res) => {
    elsewhereHeaders.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(scalarAnswer({ a: [1] })));
  });
  ddBase = await listen(datadog);
  elsewhereBase = await listen(elsewhere);
});
afterAll(async () => {
  for (const s of [datadog, elsewhere]) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});
afterEach(() => resetSecretsForTests());

const value: MetricRequest = {
  id: 'v',
  query: { kind: 'value', query: 'sum:a{*}.as_count()', aggregator: 'sum' },
  window: WINDOW,
};

describe('Datadog over the one client', () => {
  it('refuses a redirect: the keys never reach its target', async () => {
    elsewhereHeaders.length = 0;
    handler = (_req, res) => res.writeHead(307, { location: `${elsewhereBase}/api/v2/query/scalar` }).end();
    const { provider } = makeProvider({ baseUrl: ddBase, maxRetries: 1 });
    const [m] = await provider.queryMany([value]);
    expect(m).toMatchObject({ kind: 'error', code: 'E_PROVIDER_RESPONSE' });
    expect(m?.kind === 'error' && m.message).toContain('a redirect, which is never followed');
    expect(elsewhereHeaders).toEqual([]);
  });

  it('stops reading an answer over the cap: E_PROVIDER_TOO_LARGE, not retried', async () => {
    let requests = 0;
    handler = (_req, res) => {
      requests += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"data":"${'x'.repeat(64 * 1024)}"}`);
    };
    const { provider } = makeProvider({ baseUrl: ddBase, maxRetries: 2 }, { maxResponseBytes: 16 * 1024 });
    const [m] = await provider.queryMany([value]);
    expect(m).toMatchObject({ kind: 'error', code: 'E_PROVIDER_TOO_LARGE' });
    expect(requests).toBe(1);
  });

  it("scrubs a partial answer's errors of every registered secret, in the measurement and the logs", async () => {
    registerSecret(FLIPPER_TOKEN);
    registerSecret(API_TOKEN);
    handler = (_req, res) => {
      const body = {
        ...scalarAnswer({ a: [4] }),
        errors: `query echo: Bearer ${FLIPPER_TOKEN} DD-API-KEY ${API_KEY} token ${API_TOKEN}`,
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const { provider, logs } = makeProvider({ baseUrl: ddBase });
    const [m] = await provider.queryMany([value]);
    expect(m).toMatchObject({ kind: 'no-data' });
    const texts = [JSON.stringify(m), ...logs.lines];
    for (const secret of [FLIPPER_TOKEN, API_TOKEN, API_KEY, APP_KEY]) {
      for (const text of texts) expect(text).not.toContain(secret);
    }
    expect(JSON.stringify(m)).toContain('[redacted]');
  });

  it('scrubs a 400 text that quotes the Flipper and API tokens', async () => {
    registerSecret(FLIPPER_TOKEN);
    registerSecret(API_TOKEN);
    handler = (_req, res) =>
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ errors: [`bad query near ${FLIPPER_TOKEN} and ${API_TOKEN}`] }));
    const { provider, logs } = makeProvider({ baseUrl: ddBase });
    const [m] = await provider.queryMany([value]);
    expect(m).toEqual({
      kind: 'error',
      code: 'E_PROVIDER_BAD_REQUEST',
      message: 'Datadog rejected the metrics query (HTTP 400): bad query near [redacted] and [redacted]',
    });
    for (const line of logs.lines) {
      expect(line).not.toContain(FLIPPER_TOKEN);
      expect(line).not.toContain(API_TOKEN);
    }
  });
});
