import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { StagegateError } from '../../src/errors.js';
import { useJsonBodies } from '../../src/server/json-body.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A bare app that echoes what the parser made of the body. */
function echo(): FastifyInstance {
  app = Fastify();
  useJsonBodies(app);
  app.setErrorHandler((err, _req, reply) =>
    reply
      .code(err instanceof StagegateError ? 400 : ((err as { statusCode?: number }).statusCode ?? 500))
      .send({
        code: (err as { code?: string }).code,
      }),
  );
  app.post('/echo', (req) => ({ body: req.body === undefined ? 'none' : req.body }));
  return app;
}

const post = (payload: string, type = 'application/json') =>
  echo().inject({ method: 'POST', url: '/echo', headers: { 'content-type': type }, payload });

describe('useJsonBodies', () => {
  it('parses a JSON body', async () => {
    const res = await post('{"by":"ian","reason":"5xx"}');
    expect(res.json()).toEqual({ body: { by: 'ian', reason: '5xx' } });
  });

  it.each([[''], ['  \n']])(
    'reads an empty JSON body (%j, curl -X POST without -d) as no body',
    async (payload) => {
      const res = await post(payload);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ body: 'none' });
    },
  );

  it('refuses malformed JSON with E_USAGE', async () => {
    const res = await post('{"by":');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ code: 'E_USAGE' });
  });

  it.each([['text/plain'], ['application/x-www-form-urlencoded']])(
    'refuses a %s body with 415',
    async (type) => {
      const res = await post('by=ian', type);
      expect(res.statusCode).toBe(415);
    },
  );
});
