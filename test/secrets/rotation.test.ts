import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StagegateError } from '../../src/errors.js';
import { createMetricsProvider } from '../../src/providers/metrics/factory.js';
import { createToggleProvider } from '../../src/providers/toggles/factory.js';
import { createNotifier } from '../../src/notify/factory.js';
import type { RolloutEvent } from '../../src/ports/notifier.js';
import { silentLogger } from '../../src/log.js';

/*
 * Issue 13, secrets that rotate: a `*File` secret is re-read when the file
 * changes, so the next request carries the new value without a restart, and
 * the old value stays scrubbed (a server may still echo it). Against a local
 * server that records what each request carried.
 */

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
let server: Server;
let base: string;
let dir: string;
let handler: Handler = (_req, res) => res.writeHead(500).end();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stagegate-rotation-'));
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
// each test starts on fresh connections: a kept-alive socket the server drops while the Datadog library loads would reset
afterEach(() => server.closeIdleConnections());
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

/** Replaces the file the way the kubelet does: write aside, rename over. */
async function rotate(path: string, value: string): Promise<void> {
  await writeFile(`${path}.tmp`, value);
  await rename(`${path}.tmp`, path);
}

const featureDoc = JSON.stringify({
  key: 'f',
  state: 'off',
  gates: [
    { key: 'boolean', name: 'boolean', value: null },
    { key: 'actors', name: 'actor', value: [] },
    { key: 'percentage_of_actors', name: 'percentage_of_actors', value: null },
    { key: 'percentage_of_time', name: 'percentage_of_time', value: null },
    { key: 'groups', name: 'group', value: [] },
  ],
});

describe('tokenFile rotation (Flipper)', () => {
  it('uses the new token on the next request, and scrubs the old one from an echo', async () => {
    const path = join(dir, 'flipper-token');
    await writeFile(path, 'old-flipper-token-1111\n');
    const seen: string[] = [];
    handler = (req, res) => {
      seen.push(req.headers.authorization ?? '');
      if (seen.length === 1) res.writeHead(200, { 'content-type': 'application/json' }).end(featureDoc);
      // a proxy that echoes what it was sent, old and new token both
      else
        res.writeHead(403, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            message: `denied ${req.headers.authorization ?? ''} (was old-flipper-token-1111)`,
          }),
        );
    };
    const provider = createToggleProvider(
      'flipper',
      {
        type: 'flipper',
        baseUrl: `${base}/flipper/api`,
        tokenFile: path,
        timeoutMs: 2_000,
        maxRetries: 0,
        percentageOff: 'post',
      },
      { env: {}, logger: silentLogger() },
    );
    await provider.read('f');
    await rotate(path, 'new-flipper-token-2222');
    const err = await provider.read('f').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(seen).toEqual(['Bearer old-flipper-token-1111', 'Bearer new-flipper-token-2222']);
    expect(err).toBeInstanceOf(StagegateError);
    const text = `${(err as StagegateError).message} ${JSON.stringify((err as StagegateError).details)}`;
    expect(text).not.toContain('old-flipper-token-1111');
    expect(text).not.toContain('new-flipper-token-2222');
    expect(text).toContain('[redacted]');
  });
});

describe('apiKeyFile / appKeyFile rotation (Datadog)', () => {
  it('sends the rotated keys on the next query', async () => {
    const apiPath = join(dir, 'dd-api');
    const appPath = join(dir, 'dd-app');
    await writeFile(apiPath, 'dd-api-key-old-0001');
    await writeFile(appPath, 'dd-app-key-old-0001');
    const seen: string[] = [];
    handler = (req, res) => {
      seen.push(`${String(req.headers['dd-api-key'])} ${String(req.headers['dd-application-key'])}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          data: {
            type: 'scalar_response',
            attributes: { columns: [{ name: 'a', type: 'number', values: [1] }] },
          },
        }),
      );
    };
    const provider = createMetricsProvider(
      'datadog',
      {
        type: 'datadog',
        site: 'datadoghq.com',
        baseUrl: base,
        apiKeyFile: apiPath,
        appKeyFile: appPath,
        // generous: the first query also loads the Datadog library, on a shared machine
        timeoutMs: 10_000,
        maxRetries: 0,
      },
      { env: {} },
    );
    const window = { from: 1_750_000_000_000, to: 1_750_000_900_000 };
    const query = { kind: 'value', query: 'sum:a{*}.as_count()', aggregator: 'sum' } as const;
    expect(await provider.query(query, window)).toEqual({ kind: 'value', value: 1 });
    await rotate(apiPath, 'dd-api-key-new-0002');
    await rotate(appPath, 'dd-app-key-new-0002');
    expect(await provider.query(query, window)).toEqual({ kind: 'value', value: 1 });
    expect(seen).toEqual([
      'dd-api-key-old-0001 dd-app-key-old-0001',
      'dd-api-key-new-0002 dd-app-key-new-0002',
    ]);
  }, 60_000);
});

describe('secretFile rotation (webhook notifier)', () => {
  it('signs with the rotated secret', async () => {
    const path = join(dir, 'hook-secret');
    await writeFile(path, 'hook-secret-old-aaaa');
    const signatures: string[] = [];
    handler = (req, res) => {
      signatures.push(String(req.headers['x-stagegate-signature']));
      res.writeHead(200).end('ok');
    };
    const notifier = createNotifier(
      'hook',
      { type: 'webhook', url: `${base}/hook`, secretFile: path },
      {},
      { now: () => 1_750_000_000_000 },
    );
    const event = { type: 'rollout.started', rollout: 'r' } as unknown as RolloutEvent;
    await notifier.send(event);
    await rotate(path, 'hook-secret-new-bbbb');
    await notifier.send(event);
    expect(signatures).toHaveLength(2);
    expect(signatures[0]).not.toBe(signatures[1]);
  });
});
