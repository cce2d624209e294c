import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { StagegateError, type ErrorCode } from '../../src/errors.js';
import {
  createErrorHandler,
  errorBody,
  notFoundHandler,
  statusForStagegateError,
} from '../../src/server/http-errors.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

function server(fail: () => never) {
  const lines: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _e, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );
  app = Fastify();
  app.setErrorHandler(createErrorHandler(logger));
  app.setNotFoundHandler(notFoundHandler);
  app.get('/fail', () => fail());
  return { app, lines };
}

describe('errorBody', () => {
  it('carries issues only when there are some', () => {
    expect(errorBody('E_BAD_REQUEST', 'invalid', ['by: too long'])).toEqual({
      error: { code: 'E_BAD_REQUEST', message: 'invalid', issues: ['by: too long'] },
    });
    expect(errorBody('E_NOT_FOUND', 'no such')).toEqual({
      error: { code: 'E_NOT_FOUND', message: 'no such' },
    });
  });
});

describe('statusForStagegateError', () => {
  it.each([
    ['E_NOT_FOUND', 404],
    ['E_COMMAND_REFUSED', 409],
    ['E_STORE_CONFLICT', 409],
    ['E_USAGE', 400],
    ['E_STORE_IO', 503],
    ['E_STORE_LOCKED', 503],
    ['E_STORE_CORRUPT', 500],
    ['E_CONFIG_INVALID', 500],
  ] as [ErrorCode, number][])('%s → %i', (code, status) => {
    expect(statusForStagegateError(new StagegateError(code, 'x'))).toBe(status);
  });
});

describe('createErrorHandler', () => {
  it('answers a StagegateError with its status, code and message; a 4xx is not logged', async () => {
    const { app, lines } = server(() => {
      throw new StagegateError('E_COMMAND_REFUSED', 'cannot approve: not awaiting approval');
    });
    const res = await app.inject({ method: 'GET', url: '/fail' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({
      error: { code: 'E_COMMAND_REFUSED', message: 'cannot approve: not awaiting approval' },
    });
    expect(lines.filter((l) => l['msg'] === 'api request failed')).toEqual([]);
  });

  it('logs a StagegateError that is a server fault, with its route', async () => {
    const { app, lines } = server(() => {
      throw new StagegateError('E_STORE_IO', 'state dir .stagegate is not readable');
    });
    const res = await app.inject({ method: 'GET', url: '/fail' });
    expect(res.statusCode).toBe(503);
    expect(lines.filter((l) => l['msg'] === 'api request failed')).toMatchObject([
      { code: 'E_STORE_IO', route: '/fail' },
    ]);
  });

  it('never echoes the message of an unexpected error, and logs it', async () => {
    const { app, lines } = server(() => {
      throw new Error('connect ECONNREFUSED 10.0.0.7:5432 password=hunter2');
    });
    const res = await app.inject({ method: 'GET', url: '/fail' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      error: { code: 'E_INTERNAL', message: 'internal error; see the controller log' },
    });
    expect(res.body).not.toContain('hunter2');
    expect(lines.filter((l) => l['msg'] === 'api request failed')).toHaveLength(1);
  });

  it("passes fastify's own client errors through with their status and code", async () => {
    const { app } = server(() => {
      throw Object.assign(new Error('Request body is too large'), {
        statusCode: 413,
        code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      });
    });
    const res = await app.inject({ method: 'GET', url: '/fail' });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toEqual({
      error: { code: 'FST_ERR_CTP_BODY_TOO_LARGE', message: 'Request body is too large' },
    });
  });
});

describe('notFoundHandler', () => {
  it('names the method and the path, without the query string', async () => {
    const { app } = server(() => {
      throw new Error('unused');
    });
    const res = await app.inject({ method: 'DELETE', url: '/api/nothing?token=x' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'E_NOT_FOUND', message: 'no route DELETE /api/nothing' } });
  });
});
