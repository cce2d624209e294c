import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { StagegateError } from '../../../../src/errors.js';
import { DatadogFailure, DatadogHttpError } from '../../../../src/providers/metrics/datadog/errors.js';
import { loadLibrary, type DatadogLibrary } from '../../../../src/providers/metrics/datadog/library.js';
import {
  FetchHttpLibrary,
  withCallSignal,
  type AttemptObserver,
  type FetchHttpLibraryOptions,
} from '../../../../src/providers/metrics/datadog/transport.js';
import { staticSecret } from '../../../../src/secrets/secret-source.js';

/* The HTTP library handed to the Datadog client, against nock on the real v2 paths. */

const BASE = 'http://127.0.0.1:8126';
const PATH = '/api/v2/query/scalar';
const API_KEY = 'transport-test-api-key-0123456789';
const APP_KEY = 'transport-test-app-key-9876543210';
const SCALAR = { data: { type: 'scalar_response', attributes: { columns: [] } } };

let lib: DatadogLibrary;

beforeAll(async () => {
  nock.disableNetConnect();
  lib = await loadLibrary();
});
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

interface Seen {
  readonly events: string[];
  readonly observer: AttemptObserver;
}

function seen(): Seen {
  const events: string[] = [];
  return {
    events,
    observer: {
      onResponse: (status) => events.push(`response ${status}`),
      onNoResponse: (err) => events.push(`no response ${(err as Error).name}`),
    },
  };
}

function library(observer: AttemptObserver, over: Partial<FetchHttpLibraryOptions> = {}): FetchHttpLibrary {
  return new FetchHttpLibrary({
    keys: { api: staticSecret(API_KEY, 'test'), app: staticSecret(APP_KEY, 'test') },
    ResponseContext: lib.client.ResponseContext,
    timeoutMs: 2_000,
    observer,
    ...over,
  });
}

function post(body = '{"data":{}}', method: 'POST' | 'PUT' = 'POST') {
  const request = new lib.client.RequestContext(`${BASE}${PATH}`, method as never);
  request.setHeaderParam('Content-Type', 'application/json');
  // a stale key set by the client's own auth must be replaced, not sent twice
  request.setHeaderParam('DD-API-KEY', 'stale');
  request.setBody(body);
  return request;
}

describe('FetchHttpLibrary', () => {
  it('sends the current keys and the body, reports the answer, and hands back its text', async () => {
    const s = seen();
    const scope = nock(BASE)
      .post(PATH, { data: {} })
      .matchHeader('dd-api-key', API_KEY)
      .matchHeader('dd-application-key', APP_KEY)
      .reply(200, SCALAR, { 'x-ratelimit-remaining': '9' });
    const res = await library(s.observer).send(post());
    expect(res.httpStatusCode).toBe(200);
    expect(JSON.parse(await res.body.text())).toEqual(SCALAR);
    expect(s.events).toEqual(['response 200']);
    expect(scope.isDone()).toBe(true);
  });

  it('throws DatadogHttpError with the headers for a non-2xx answer, after reporting it', async () => {
    const s = seen();
    nock(BASE)
      .post(PATH)
      .reply(429, { errors: ['Too many requests'] }, { 'x-ratelimit-reset': '7' });
    const err = await library(s.observer)
      .send(post())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatadogHttpError);
    expect((err as DatadogHttpError).status).toBe(429);
    expect((err as DatadogHttpError).headers['x-ratelimit-reset']).toBe('7');
    expect(s.events).toEqual(['response 429']);
  });

  it('never follows a redirect: the keys go to Datadog only', async () => {
    const s = seen();
    nock(BASE).post(PATH).reply(302, '', { location: 'http://127.0.0.1:9999/steal' });
    const elsewhere = nock('http://127.0.0.1:9999').post('/steal').reply(200, SCALAR);
    const err = await library(s.observer)
      .send(post())
      .catch((e: unknown) => e);
    expect((err as DatadogHttpError).status).toBe(302);
    expect(elsewhere.isDone()).toBe(false);
  });

  it.each([
    ['an HTML page from a proxy', '<html>bad gateway</html>'],
    ['a JSON array', '[]'],
    ['JSON null', 'null'],
  ])('refuses a 200 with %s instead of reading it as no data', async (_what, body) => {
    nock(BASE).post(PATH).reply(200, body);
    const err = await library(seen().observer)
      .send(post())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatadogFailure);
    expect((err as DatadogFailure).code).toBe('E_PROVIDER_RESPONSE');
    expect((err as DatadogFailure).retryable).toBe(false);
  });

  it('stops reading past maxResponseBytes: E_PROVIDER_TOO_LARGE, not retried', async () => {
    const s = seen();
    nock(BASE)
      .post(PATH)
      .reply(200, JSON.stringify({ data: 'x'.repeat(4_096) }));
    const err = await library(s.observer, { maxResponseBytes: 1_024 })
      .send(post())
      .catch((e: unknown) => e);
    expect((err as DatadogFailure).code).toBe('E_PROVIDER_TOO_LARGE');
    expect((err as DatadogFailure).retryable).toBe(false);
    expect(s.events).toHaveLength(1);
    expect(s.events[0]).toMatch(/^no response/);
  });

  it('is cancelled by the caller signal given with withCallSignal', async () => {
    const s = seen();
    nock(BASE).post(PATH).delay(5_000).reply(200, SCALAR);
    const caller = new AbortController();
    const sent = withCallSignal(caller.signal, () => library(s.observer, { timeoutMs: 10_000 }).send(post()));
    caller.abort();
    await expect(sent).rejects.toThrow();
    expect(s.events).toHaveLength(1);
    expect(s.events[0]).toMatch(/^no response/);
  });

  it('times out a request that never answers', async () => {
    const s = seen();
    nock(BASE).post(PATH).delay(5_000).reply(200, SCALAR);
    await expect(library(s.observer, { timeoutMs: 100 }).send(post())).rejects.toThrow();
    expect(s.events[0]).toMatch(/^no response/);
  });

  it('refuses a method the client never uses, before sending anything', async () => {
    const s = seen();
    const err = await library(s.observer)
      .send(post('{}', 'PUT'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StagegateError);
    expect((err as DatadogFailure).code).toBe('E_PROVIDER_BAD_REQUEST');
    expect(s.events).toEqual([]);
  });
});
