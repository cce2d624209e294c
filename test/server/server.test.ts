import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/server/server.js';
import type { ServerDeps } from '../../src/server/deps.js';
import { FakeStore, deps, filledStore, type CommandCall } from './helpers.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function setup(over: Partial<ServerDeps> = {}, fill = true) {
  const store = fill ? filledStore() : new FakeStore();
  const calls: CommandCall[] = [];
  const d = deps(store, calls, over);
  app = buildServer(d);
  return { app, store, calls, deps: d };
}

describe('routing', () => {
  it('unknown routes are 404 JSON', async () => {
    const { app } = setup();
    const res = await app.inject({ method: 'GET', url: '/api/nothing?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'E_NOT_FOUND', message: 'no route GET /api/nothing' } });
  });
});
