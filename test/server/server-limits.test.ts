import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server/server.js';
import { defaultLimits, openFileLimit } from '../../src/server/server-limits.js';
import { FakeStore, deps } from './helpers.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function open(port: number): Promise<{ socket: Socket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.on('connect', () => resolve({ socket, closed }));
    socket.on('error', () => undefined);
    socket.on('close', () => reject(new Error('closed before connect')));
  });
}

describe('connection limits', () => {
  it('derives the caps from the descriptor limit, keeping three quarters for the controller', () => {
    expect(defaultLimits(256)).toMatchObject({ maxConnections: 64, maxConnectionsPerIp: 32 });
    expect(defaultLimits(1_048_576).maxConnections).toBe(1024);
    expect(
      openFileLimit(() => 'Max open files            256                  4096                 files\n'),
    ).toBe(256);
    expect(openFileLimit(() => 'nothing here')).toBeUndefined();
  });

  it('closes connections past the per-address cap at once, and idle ones after the idle timeout', async () => {
    app = buildServer({
      ...deps(new FakeStore(), []),
      limits: { maxConnectionsPerIp: 2, idleTimeoutMs: 300 },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const first = await open(port);
    await open(port);
    const third = await open(port);
    // refused by the server, not by the client: the third closes while the first is still open
    await third.closed;
    expect(first.socket.destroyed).toBe(false);
    // the first sent nothing: closed by the idle timeout, with no request ever made
    await first.closed;
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
  });
});
