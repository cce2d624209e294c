import { gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import {
  authorized,
  flattenHeaders,
  parseObject,
  requestParams,
  sendError,
  sendJson,
} from '../../src/sandbox/flipper-http.js';
import { ERRORS, MORE_INFO } from '../../src/sandbox/flipper-model.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** A bare app that reads bodies as the Flipper sandbox does (raw strings, any type). */
function bare(): FastifyInstance {
  app = Fastify();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
  app.post('/params', (req, reply) => sendJson(req, reply, 200, requestParams(req)));
  app.get('/missing', (req, reply) => sendError(req, reply, ERRORS.featureNotFound));
  app.get('/headers', (req) => flattenHeaders(req.headers));
  app.get('/bearer', (req) => ({ ok: authorized(req, 'tok-123', undefined) }));
  app.get('/cloud', (req) => ({ ok: authorized(req, 'tok-123', 'Flipper-Cloud-Token') }));
  return app;
}

describe('requestParams (Rack params)', () => {
  it.each([
    [
      'a JSON body merged over the query',
      'application/json',
      '{"percentage":"25","n":3,"skip":{"a":1}}',
      {
        flipper_id: 'q',
        percentage: '25',
        n: '3',
      },
    ],
    [
      'a form body',
      'application/x-www-form-urlencoded; charset=utf-8',
      'percentage=2.5',
      {
        flipper_id: 'q',
        percentage: '2.5',
      },
    ],
    ['another body type: the query only', 'text/plain', 'percentage=9', { flipper_id: 'q' }],
  ])('%s', async (_what, type, payload, params) => {
    const res = await bare().inject({
      method: 'POST',
      url: '/params?flipper_id=q',
      headers: { 'content-type': type },
      payload,
    });
    expect(res.json()).toEqual(params);
  });
});

describe('sendJson and sendError', () => {
  it("answers Flipper's exact Content-Type, without a charset", async () => {
    const res = await bare().inject({ method: 'GET', url: '/missing' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.json()).toEqual({ code: 1, message: 'Feature not found.', more_info: MORE_INFO });
  });

  it('gzips when the client accepts gzip', async () => {
    const res = await bare().inject({
      method: 'GET',
      url: '/missing',
      headers: { 'accept-encoding': 'deflate, gzip' },
    });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['vary']).toBe('Accept-Encoding');
    expect(JSON.parse(gunzipSync(res.rawPayload).toString('utf8'))).toMatchObject({ code: 1 });
  });
});

describe('authorized', () => {
  it.each([
    ['/bearer', { authorization: 'Bearer tok-123' }, true],
    ['/bearer', { authorization: 'Bearer tok-12' }, false],
    ['/bearer', { authorization: 'tok-123' }, false],
    ['/bearer', {}, false],
    ['/cloud', { 'flipper-cloud-token': 'tok-123' }, true],
    ['/cloud', { authorization: 'Bearer tok-123' }, false],
  ])('%s with %j → %s', async (url, headers, ok) => {
    const res = await bare().inject({ method: 'GET', url, headers });
    expect(res.json()).toEqual({ ok });
  });
});

describe('flattenHeaders and parseObject', () => {
  it('joins repeated headers', async () => {
    const res = await bare().inject({ method: 'GET', url: '/headers', headers: { 'x-a': ['1', '2'] } });
    expect(res.json()).toMatchObject({ 'x-a': '1, 2' });
  });

  it.each([
    ['{"a":1}', { a: 1 }],
    ['[1]', undefined],
    ['null', undefined],
    ['nope', undefined],
  ])('parseObject(%j) → %j', (text, parsed) => {
    expect(parseObject(text)).toEqual(parsed);
  });
});
