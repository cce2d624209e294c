import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { FlipperToggleProvider } from '../../src/providers/toggles/flipper.js';
import { startFlipperSandbox, type FlipperSandbox } from '../../src/sandbox/flipper-server.js';

/*
 * Where the sandbox once differed from real flipper-api (issue 13): gate key
 * order, Content-Type without charset, gzip when asked, trailing slashes,
 * unknown routes, the expression gate. Raw node:http so headers and bytes
 * are seen as sent.
 */

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function raw(url: string, method: string, headers: Record<string, string> = {}, body?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('Flipper sandbox on the wire', () => {
  let sandbox: FlipperSandbox;
  beforeEach(async () => {
    sandbox = await startFlipperSandbox();
    sandbox.setFeature('ebg', { percentageOfActors: 25 });
  });
  afterEach(async () => {
    await sandbox.close();
  });

  it('answers Content-Type application/json exactly, without a charset', async () => {
    for (const path of ['/features/ebg', '/features/missing', '/features', '/nothing/here']) {
      const res = await raw(`${sandbox.url}${path}`, 'GET');
      expect([path, res.headers['content-type']]).toEqual([path, 'application/json']);
    }
  });

  it('lists the gates in Flipper::Feature#gates order with key, name, value members', async () => {
    const res = await raw(`${sandbox.url}/features/ebg`, 'GET');
    const doc = JSON.parse(res.body.toString('utf8')) as { gates: Record<string, unknown>[] };
    expect(doc.gates.map((g) => g['key'])).toEqual([
      'boolean',
      'expression',
      'actors',
      'percentage_of_actors',
      'percentage_of_time',
      'groups',
    ]);
    expect(doc.gates.map((g) => Object.keys(g))).toEqual(doc.gates.map(() => ['key', 'name', 'value']));
    expect(res.body.toString('utf8')).toMatch(/^\{"key":"ebg","state":"conditional","gates":\[/);
  });

  it('gzips when the request accepts gzip, and only then', async () => {
    const zipped = await raw(`${sandbox.url}/features/ebg`, 'GET', { 'accept-encoding': 'gzip, deflate' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    const plain = await raw(`${sandbox.url}/features/ebg`, 'GET');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gunzipSync(zipped.body).toString('utf8')).toBe(plain.body.toString('utf8'));
  });

  it('takes a trailing slash on feature and gate routes, as the route regexes do', async () => {
    expect((await raw(`${sandbox.url}/features/ebg/`, 'GET')).status).toBe(200);
    const post = await raw(
      `${sandbox.url}/features/ebg/percentage_of_actors/`,
      'POST',
      { 'content-type': 'application/json' },
      '{"percentage":"50"}',
    );
    expect(post.status).toBe(200);
    expect(sandbox.feature('ebg')?.gates[3]?.value).toBe('50');
  });

  it('answers an unknown route 404 {} like Flipper::Api.app, unlike a missing feature', async () => {
    const unknown = await raw(`${sandbox.url}/feature/ebg`, 'GET');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body.toString('utf8'))).toEqual({});
    const outside = await raw(`http://127.0.0.1:${String(sandbox.port)}/elsewhere`, 'GET');
    expect(outside.status).toBe(404);
    expect(JSON.parse(outside.body.toString('utf8'))).toEqual({});
  });

  it('stores and clears an expression gate', async () => {
    const expression = { Equal: [{ Property: ['plan'] }, 'basic'] };
    const set = await raw(
      `${sandbox.url}/features/ebg/expression`,
      'POST',
      { 'content-type': 'application/json' },
      JSON.stringify(expression),
    );
    expect(set.status).toBe(200);
    expect(sandbox.feature('ebg')?.gates[1]).toEqual({
      key: 'expression',
      name: 'expression',
      value: expression,
    });
    await raw(`${sandbox.url}/features/ebg/expression`, 'DELETE');
    expect(sandbox.feature('ebg')?.gates[1]?.value).toBeNull();
  });
});

describe('turning a percentage off against the sandbox', () => {
  let sandbox: FlipperSandbox;
  beforeEach(async () => {
    sandbox = await startFlipperSandbox();
  });
  afterEach(async () => {
    await sandbox.close();
  });

  function provider(percentageOff: 'post' | 'delete'): FlipperToggleProvider {
    return new FlipperToggleProvider({
      name: 'flipper',
      baseUrl: sandbox.url,
      timeoutMs: 2_000,
      retry: { retries: 0, minTimeoutMs: 1, maxTimeoutMs: 1, factor: 1, randomize: false },
      logger: silentLogger(),
      percentageOff,
    });
  }

  it.each([
    ['post', 'POST', '{"percentage":"0"}'],
    ['delete', 'DELETE', ''],
  ] as const)(
    'percentageOff %s: %s both gates, stores "0", keeps the allow-lists',
    async (mode, method, body) => {
      sandbox.setFeature('ebg', { percentageOfActors: 25, percentageOfTime: 10, actors: ['User;7'] });
      sandbox.clearRequests();
      const state = await provider(mode).disable('ebg', 'zero');
      expect(state).toMatchObject({ percentageOfActors: 0, percentageOfTime: 0, actors: ['User;7'] });
      expect(sandbox.requests.map((r) => [r.method, r.path.replace(/^.*\/features/, ''), r.body])).toEqual([
        [method, '/ebg/percentage_of_actors', body],
        [method, '/ebg/percentage_of_time', body],
      ]);
      const gates = sandbox.feature('ebg')?.gates ?? [];
      expect(gates.map((g) => g.value)).toEqual([null, null, ['User;7'], '0', '0', []]);
    },
  );

  it('zero reports the hand-set expression that still exposes users', async () => {
    sandbox.setFeature('ebg', { percentageOfTime: 10, expression: { Boolean: [true] } });
    const state = await provider('post').disable('ebg', 'zero');
    expect(state.exposure.gates).toEqual(['expression']);
    expect(state.expression).toBe('{"Boolean":[true]}');
  });
});
